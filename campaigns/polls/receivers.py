"""What polls does when two members become one, and when a member exports or erases their
personal data."""

from storefront.members.events import member_data_exported, member_erased, member_merged


def move_responses_of_merged_member(sender, source_id, target_id, **kwargs):
    from campaigns.polls import tasks

    tasks.move_responses_of_merged_member.delay(source_id, target_id)


def erase_answers_of_erased_member(sender, member_id, **kwargs):
    from campaigns.polls import tasks

    tasks.erase_answers_of_member.delay(member_id)


def export_responses_of_member(sender, member, **kwargs):
    from campaigns.polls import selectors

    return selectors.export_responses(member)


def connect():
    member_merged.connect(move_responses_of_merged_member, dispatch_uid="polls.move_responses_of_merged_member")
    member_erased.connect(erase_answers_of_erased_member, dispatch_uid="polls.erase_answers_of_erased_member")
    member_data_exported.connect(export_responses_of_member, dispatch_uid="polls.export_responses_of_member")
