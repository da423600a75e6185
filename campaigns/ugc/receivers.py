"""What UGC does when WeChat pushes an image verdict, when two members become one, and when a
member exports or erases their personal data."""

from platforms import events
from storefront.members.events import member_data_exported, member_erased, member_merged


def record_image_verdict(message: dict) -> None:
    """`wxa_media_check`: the verdict of an image of an entry (the trace id ties them)."""
    from campaigns.ugc import services

    result = message.get("result") or {}
    services.record_image_verdict(
        trace_id=str(message.get("trace_id") or ""),
        suggest=str(result.get("suggest") or ""),
        label=str(result.get("label") or ""),
    )


def move_entries_of_merged_member(sender, source_id, target_id, **kwargs):
    from campaigns.ugc import tasks

    tasks.move_entries_of_merged_member.delay(source_id, target_id)


def erase_entries_of_erased_member(sender, member_id, **kwargs):
    from campaigns.ugc import tasks

    tasks.erase_entries_of_member.delay(member_id)


def export_entries_of_member(sender, member, **kwargs):
    from campaigns.ugc import selectors

    return selectors.export_entries(member)


def connect():
    events.on("wxa_media_check")(record_image_verdict)
    member_merged.connect(move_entries_of_merged_member, dispatch_uid="ugc.move_entries_of_merged_member")
    member_erased.connect(erase_entries_of_erased_member, dispatch_uid="ugc.erase_entries_of_erased_member")
    member_data_exported.connect(export_entries_of_member, dispatch_uid="ugc.export_entries_of_member")
