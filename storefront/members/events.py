"""What happens to members, announced to the rest of the kit (see storefront/orders/events.py
for the conventions: Django signals, receivers connected in AppConfig.ready with a
dispatch_uid, work that must not be lost as one retryable task per receiver).

- `member_merged(source_id, target_id)`: after the commit that made two members one. The
  absorbed member (`source_id`) stays as an inactive row, so each app moves its own rows to
  the survivor (`target_id`) in its own retried task.
- `member_erased(member_id)`: after the commit that erased a member's personal data; each
  app erases what it holds.
- `member_data_exported(member)`: sent while a member's personal data export is built. It
  is the one event whose receivers answer: each returns a dict of its app's sections, which
  become part of the export (so the export is complete the moment it is handed over).
- `member_joined(member_id)`: after the commit of a first login that created the member.
- `member_logged_in(member_id, ref)`: after a returning member's login that carried the
  visitor key (`ref`) the mini program kept for its anonymous visits before the login.
- `phone_bound(member_id)`: after the commit that bound a verified phone number to the
  member (after a merge, to the surviving member).
"""

from django.dispatch import Signal

from config.events import send_after_commit  # noqa: F401  (the one way to send them)

member_merged = Signal()
member_erased = Signal()
member_data_exported = Signal()
member_joined = Signal()
member_logged_in = Signal()
phone_bound = Signal()
