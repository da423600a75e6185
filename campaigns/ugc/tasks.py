"""UGC tasks: thin, they call services (imported inside the task body)."""

from celery import shared_task


@shared_task(name="campaigns.ugc.after_approval", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def after_approval(submission_id):
    from campaigns.ugc import services

    services.after_approval(submission_id=submission_id)


@shared_task(name="campaigns.ugc.notify_rejection", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_rejection(submission_id):
    from campaigns.ugc import services

    services.notify_rejection(submission_id=submission_id)


@shared_task(name="campaigns.ugc.choose_vote_winners")
def choose_vote_winners():
    from campaigns.ugc import services

    return services.choose_vote_winners()


@shared_task(name="campaigns.ugc.move_entries_of_merged_member", autoretry_for=(Exception,), max_retries=5)
def move_entries_of_merged_member(source_id, target_id):
    from campaigns.ugc import services

    services.move_entries_of_merged_member(source_id=source_id, target_id=target_id)


@shared_task(name="campaigns.ugc.erase_entries_of_member", autoretry_for=(Exception,), max_retries=5)
def erase_entries_of_member(member_id):
    from campaigns.ugc import services

    services.erase_entries_of_member(member_id=member_id)
