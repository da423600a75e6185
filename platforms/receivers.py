"""The notices' receivers of member events: notice grants and logs belong to a member, so they
follow a phone merge, appear in the personal data export and are erased with the account.

The notices (models, services, api, admin, tasks, this module) sit above the storefront's
members; the platform adapters and the sandbox import no shop app (checked by import-linter)."""

from platforms import services, tasks
from storefront.members.events import member_data_exported, member_erased, member_merged


def move_notice_data_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_notice_data.delay(source_id, target_id)


def erase_notice_data_of_erased_member(sender, member_id, **kwargs):
    tasks.erase_notice_data.delay(member_id)


def export_notice_data_of_member(sender, member, **kwargs):
    return services.export_notice_data(member)


def connect():
    member_merged.connect(move_notice_data_of_merged_member, dispatch_uid="platforms.move_notice_data")
    member_erased.connect(erase_notice_data_of_erased_member, dispatch_uid="platforms.erase_notice_data")
    member_data_exported.connect(export_notice_data_of_member, dispatch_uid="platforms.export_notice_data")
