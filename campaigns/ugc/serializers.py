"""Input and output of the UGC API. They never write. Image URLs are absolute; lists carry the
thumbnail, never only the full image."""

from django.utils import timezone
from rest_framework import serializers

from campaigns.ugc.models import Submission

MAX_IMAGES_IN_A_REQUEST = 9


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class SubmitSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000, trim_whitespace=True)
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        max_length=MAX_IMAGES_IN_A_REQUEST,
        help_text="Image files (multipart, the field repeated): JPEG, PNG or WebP.",
    )
    consent = serializers.BooleanField(
        required=False, default=False, help_text="True: the member agrees to the campaign's consent text."
    )


class GalleryQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=["newest", "most_voted"],
        required=False,
        default="newest",
        help_text="Featured entries first when newest.",
    )


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, image) -> str:
        return _absolute(self.context.get("request"), image.image.url)

    def get_thumbnail(self, image) -> str:
        return _absolute(self.context.get("request"), image.thumbnail.url)


class VotingSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(source="voting_enabled")
    starts_at = serializers.DateTimeField(source="voting_starts_at", allow_null=True)
    ends_at = serializers.DateTimeField(source="voting_ends_at", allow_null=True)
    open = serializers.SerializerMethodField()
    daily_votes = serializers.IntegerField(help_text="Votes a member has a day in this campaign (0: no limit).")

    def get_open(self, campaign) -> bool:
        return campaign.voting_open(timezone.now())


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    banner = serializers.SerializerMethodField()
    description = serializers.CharField()
    rules = serializers.CharField()
    consent_text = serializers.CharField(help_text="What `consent: true` agrees to.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    is_open = serializers.SerializerMethodField(help_text="True while entries are taken.")
    submissions_per_member = serializers.IntegerField()
    max_images = serializers.IntegerField()
    max_text_length = serializers.IntegerField()
    voting = VotingSerializer(source="*")
    winners_by = serializers.CharField(help_text="`marketers` or `votes`.")
    winners_count = serializers.IntegerField()
    prize = serializers.CharField()
    entries = serializers.IntegerField(help_text="Approved entries in the gallery.")

    def get_banner(self, campaign) -> str:
        return _absolute(self.context.get("request"), campaign.banner.url) if campaign.banner else ""

    def get_is_open(self, campaign) -> bool:
        return campaign.is_open(timezone.now())


class GalleryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField(help_text="The member's nickname, nothing else of them.")
    text = serializers.CharField()
    images = ImageSerializer(many=True)
    vote_count = serializers.IntegerField()
    is_featured = serializers.BooleanField()
    voted = serializers.SerializerMethodField(help_text="The caller voted for this entry.")
    is_mine = serializers.SerializerMethodField()
    rank = serializers.IntegerField(allow_null=True, help_text="The prize rank once winners are chosen.")
    approved_at = serializers.DateTimeField()

    def get_author(self, submission) -> str:
        return submission.member.nickname or "茶友"

    def get_voted(self, submission) -> bool:
        return submission.pk in self.context.get("voted", ())

    def get_is_mine(self, submission) -> bool:
        user = self.context.get("request").user if self.context.get("request") else None
        return bool(user and user.is_authenticated and submission.member_id == user.pk)


class LeaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    vote_count = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)

    def get_author(self, submission) -> str:
        return submission.member.nickname or "茶友"


class CampaignDetailSerializer(CampaignSerializer):
    entries_left = serializers.IntegerField(help_text="Entries the caller may still send.")
    leaderboard = LeaderSerializer(many=True, help_text="Most voted approved entries.")


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign_id = serializers.IntegerField()
    campaign = serializers.CharField(source="campaign.title")
    status = serializers.ChoiceField(
        choices=Submission.Status.values,
        help_text="`pending` (being checked or waiting for a moderator), `approved` (in the gallery), `rejected`.",
    )
    check = serializers.CharField(
        source="verdict", help_text="The platform's check: `checking`, `pass`, `review` or `risky`."
    )
    reason = serializers.CharField(help_text="Why it was rejected, for the shopper to read.")
    risky_words = serializers.ListField(child=serializers.CharField(), help_text="Words the platform judged risky.")
    text = serializers.CharField()
    images = ImageSerializer(many=True)
    vote_count = serializers.IntegerField()
    is_featured = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    won_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class VoteSerializer(serializers.Serializer):
    submission = serializers.IntegerField(source="submission_id")
    vote_count = serializers.IntegerField()
    votes_left_today = serializers.IntegerField(allow_null=True, help_text="null: no daily limit.")


def page_serializer(item, name):
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


GalleryPageSerializer = page_serializer(GalleryEntrySerializer, "GalleryPageSerializer")
CampaignPageSerializer = page_serializer(CampaignSerializer, "UgcCampaignPageSerializer")
SubmissionPageSerializer = page_serializer(SubmissionSerializer, "SubmissionPageSerializer")
