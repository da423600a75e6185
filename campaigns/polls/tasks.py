"""Poll tasks: thin, they call services (imported inside the task body)."""

from celery import shared_task


@shared_task(name="campaigns.polls.award_poll_bonus", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def award_poll_bonus(response_id):
    from campaigns.polls import services

    services.award_poll_bonus(response_id=response_id)


@shared_task(name="campaigns.polls.move_responses_of_merged_member", autoretry_for=(Exception,), max_retries=5)
def move_responses_of_merged_member(source_id, target_id):
    from campaigns.polls import services

    services.move_responses_of_merged_member(source_id=source_id, target_id=target_id)


@shared_task(name="campaigns.polls.erase_answers_of_member", autoretry_for=(Exception,), max_retries=5)
def erase_answers_of_member(member_id):
    from campaigns.polls import services

    services.erase_answers_of_member(member_id=member_id)
