"""Signal receivers of the storefront (kept in one place, connected in apps.ready)."""
