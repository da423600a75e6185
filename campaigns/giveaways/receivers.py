"""What giveaways do when two members become one, and when a member exports or erases their
personal data."""

from storefront.members.events import member_data_exported, member_erased, member_merged


def move_entries_of_merged_member(sender, source_id, target_id, **kwargs):
    from campaigns.giveaways import tasks

    tasks.move_entries_of_merged_member.delay(source_id, target_id)


def erase_entries_of_erased_member(sender, member_id, **kwargs):
    from campaigns.giveaways import tasks

    tasks.erase_entries_of_member.delay(member_id)


def export_entries_of_member(sender, member, **kwargs):
    from campaigns.giveaways import selectors

    return selectors.export_entries(member)


def connect():
    member_merged.connect(move_entries_of_merged_member, dispatch_uid="giveaways.move_entries_of_merged_member")
    member_erased.connect(erase_entries_of_erased_member, dispatch_uid="giveaways.erase_entries_of_erased_member")
    member_data_exported.connect(export_entries_of_member, dispatch_uid="giveaways.export_entries_of_member")
