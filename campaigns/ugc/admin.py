"""Marketers' and moderators' screens of UGC campaigns (Chinese, times in Asia/Shanghai,
members by nickname and masked phone).

- UGC 活动: theme, banner, dates, rules and consent text, limits, voting and winners.
- 投稿: the moderation queue (filter 待审核) with the images, the platform's verdict and the
  words it judged risky; actions approve, reject with a reason (asked on a page of its own),
  feature, and choose as winners (`services.choose_winners`, by marketers).
- 投票: read only.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from config import console
from config.console import local
from storefront.members.selectors import member_label

from . import services
from .models import Submission, SubmissionImage, UgcCampaign, Vote


@admin.register(UgcCampaign)
class UgcCampaignAdmin(console.ModelAdmin):
    list_display = ("title", "period", "voting", "winners_by", "entries", "pending", "is_active")
    list_filter = ("is_active", "voting_enabled", "winners_by")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    fieldsets = (
        (None, {"fields": ("title", "slug", "banner", "description", "is_active")}),
        ("投稿", {"fields": ("starts_at", "ends_at", "rules", "consent_text")}),
        ("限制与审核", {"fields": ("submissions_per_member", "max_images", "max_text_length", "publish_on_pass")}),
        ("投票", {"fields": ("voting_enabled", "voting_starts_at", "voting_ends_at", "daily_votes")}),
        ("评奖", {"fields": ("winners_by", "winners_count", "prize", "prize_award", "winners_chosen")}),
    )
    readonly_fields = ("winners_chosen",)

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                approved_count=Count("submissions", filter=Q(submissions__status=Submission.Status.APPROVED)),
                pending_count=Count("submissions", filter=Q(submissions__status=Submission.Status.PENDING)),
            )
        )

    @admin.display(description="投稿时间")
    def period(self, obj):
        return f"{local(obj.starts_at)} 至 {local(obj.ends_at)}"

    @admin.display(description="投票")
    def voting(self, obj):
        if not obj.voting_enabled:
            return "关闭"
        return f"{local(obj.voting_starts_at)} 至 {local(obj.voting_ends_at)}"

    @admin.display(description="已展示", ordering="approved_count")
    def entries(self, obj):
        return obj.approved_count

    @admin.display(description="待审核", ordering="pending_count")
    def pending(self, obj):
        return obj.pending_count

    @admin.display(description="评奖时间")
    def winners_chosen(self, obj):
        return local(obj.winners_chosen_at)


class SubmissionImageInline(console.ReadOnlyInline):
    model = SubmissionImage
    fields = ("preview", "size", "verdict")
    readonly_fields = ("preview", "size", "verdict")

    @admin.display(description="图片")
    def preview(self, obj):
        return format_html(
            '<a href="{}" target="_blank"><img src="{}" height="120" alt=""></a>', obj.image.url, obj.thumbnail.url
        )

    @admin.display(description="尺寸")
    def size(self, obj):
        return f"{obj.width}×{obj.height}"


class RejectForm(forms.Form):
    reason = forms.CharField(label="驳回原因（会员可见）", max_length=200, initial="不符合活动要求")


@admin.register(Submission)
class SubmissionAdmin(console.ModelAdmin):
    list_display = (
        "entry",
        "thumbnails",
        "campaign",
        "member_display",
        "verdict",
        "status",
        "is_featured",
        "vote_count",
        "rank",
        "submitted",
    )
    list_filter = ("status", "verdict", "is_featured", "campaign")
    search_fields = ("text", "member__nickname", "member__phone")
    list_select_related = ("campaign", "member")
    inlines = [SubmissionImageInline]
    actions = ("approve_selected", "reject_selected", "feature_selected", "unfeature_selected", "choose_as_winners")
    fields = (
        "campaign",
        "member_display",
        "text",
        "verdict",
        "words",
        "status",
        "reason",
        "is_featured",
        "vote_count",
        "consent",
        "moderation",
        "prize_rank",
        "submitted",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decisions go through the actions, so each has its notice and bonus

    def has_moderate_permission(self, request):
        return request.user.has_perm("ugc.change_submission")

    @admin.display(description="投稿")
    def entry(self, obj):
        return f"#{obj.pk} {obj.text[:30]}" if obj.text else f"#{obj.pk}（仅图片）"

    @admin.display(description="图片")
    def thumbnails(self, obj):
        return (
            format_html_join(
                "",
                '<img src="{}" height="48" alt="" style="margin-right:4px">',
                ((i.thumbnail.url,) for i in obj.images.all()),
            )
            or "—"
        )

    @admin.display(description="会员")
    def member_display(self, obj):
        return member_label(obj.member)

    @admin.display(description="违规词")
    def words(self, obj):
        return "、".join(obj.risky_words) or "—"

    @admin.display(description="授权")
    def consent(self, obj):
        return f"{local(obj.consented_at)} 同意：{obj.consent_text}"

    @admin.display(description="审核")
    def moderation(self, obj):
        if not obj.moderated_at:
            return "—"
        who = member_label(obj.moderated_by) if obj.moderated_by_id else "平台检测"
        return f"{who} · {local(obj.moderated_at)}"

    @admin.display(description="获奖")
    def prize_rank(self, obj):
        return f"第 {obj.rank} 名（{obj.get_won_by_display()}，{local(obj.won_at)}）" if obj.won_at else "—"

    @admin.display(description="投稿时间", ordering="created_at")
    def submitted(self, obj):
        return local(obj.created_at)

    @admin.action(description="通过所选投稿", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        changed = services.approve(submissions=list(queryset), staff=request.user)
        skipped = queryset.count() - changed
        self.message_user(request, f"已通过 {changed} 篇投稿。", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} 篇未改动（已通过、平台检测中或平台判定违规）。", messages.WARNING)

    @admin.action(description="驳回所选投稿（填写原因）", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = services.reject(
                submissions=list(queryset), staff=request.user, reason=form.cleaned_data["reason"]
            )
            self.message_user(request, f"已驳回 {changed} 篇投稿。", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "驳回投稿",
            "opts": self.model._meta,
            "form": form,
            "submissions": queryset,
            "action": "reject_selected",
            "selected": queryset.values_list("pk", flat=True),
        }
        return TemplateResponse(request, "admin/ugc/reject.html", context)

    @admin.action(description="设为精选", permissions=["moderate"])
    def feature_selected(self, request, queryset):
        changed = services.feature(submissions=list(queryset), featured=True)
        self.message_user(request, f"已将 {changed} 篇设为精选（仅已通过的投稿）。", messages.SUCCESS)

    @admin.action(description="取消精选", permissions=["moderate"])
    def unfeature_selected(self, request, queryset):
        changed = services.feature(submissions=list(queryset), featured=False)
        self.message_user(request, f"已取消 {changed} 篇精选。", messages.SUCCESS)

    @admin.action(description="评为获奖作品", permissions=["moderate"])
    def choose_as_winners(self, request, queryset):
        campaigns = {s.campaign_id for s in queryset}
        if len(campaigns) != 1:
            self.message_user(request, "请只选择同一个活动的投稿。", messages.ERROR)
            return
        selected = list(queryset.order_by("-vote_count", "pk"))
        won = services.choose_winners(selected[0].campaign, selected, by=UgcCampaign.Winners.MARKETERS)
        names = "、".join(f"第 {s.rank} 名 {s.member.nickname or '会员'} 的作品" for s in won) or "无"
        self.message_user(request, f"获奖作品：{names}。只有已通过且未获奖的投稿会被评选。", messages.SUCCESS)
        if any(s.prize_win_id is None for s in won) and selected[0].campaign.prize_award_id:
            self.message_user(request, "奖品已发完：部分获奖作品没有奖品，请补充奖品数量。", messages.WARNING)


@admin.register(Vote)
class VoteAdmin(console.ReadOnlyAdmin):
    list_display = ("submission_display", "voter_display", "day", "voted")
    list_filter = ("campaign", "day")
    list_select_related = ("submission", "voter")

    @admin.display(description="作品")
    def submission_display(self, obj):
        return f"#{obj.submission_id} {obj.submission.text[:20]}"

    @admin.display(description="投票人")
    def voter_display(self, obj):
        return member_label(obj.voter)

    @admin.display(description="投票时间", ordering="created_at")
    def voted(self, obj):
        return local(obj.created_at)
