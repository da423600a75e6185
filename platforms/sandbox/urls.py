"""The sandbox's own pages and the emulated platform endpoints (mounted only with the sandbox on)."""

urlpatterns = []
