"""Marketers' screens of polls and surveys (Chinese, times in Asia/Shanghai).

- 问卷: the poll with its questions; each poll's 结果 page draws a bar per choice (and per
  rating) as inline SVG made on the server (nothing from the network, no script), lists the
  newest written answers, and exports every response as CSV.
- 题目: a question with its choices.
- 答卷: read only.
"""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from config import console
from config.console import local

from . import selectors
from .models import Answer, Choice, Poll, Question, Response

BAR = {"width": 640, "label": 180, "row": 28, "bar": 18}


def bars_of(rows: list[tuple[str, int]]) -> dict:
    """Horizontal bars, one per (label, count), placed for an inline SVG."""
    peak = max([count for _label, count in rows] + [1])
    total = sum(count for _label, count in rows) or 1
    span = BAR["width"] - BAR["label"] - 60
    placed = []
    for i, (label, count) in enumerate(rows):
        y = i * BAR["row"] + 4
        placed.append(
            {
                "label": label,
                "count": count,
                "percent": round(100 * count / total),
                "y": y,
                "text_y": y + BAR["bar"] - 4,
                "width": round(span * count / peak, 1),
                "value_x": round(BAR["label"] + span * count / peak + 6, 1),
            }
        )
    return {**BAR, "rows": placed, "height": len(rows) * BAR["row"] + 8}


class QuestionInline(console.TabularInline):
    model = Question
    extra = 1
    fields = ("position", "text", "kind", "required", "max_choices", "rating_max", "max_length")
    show_change_link = True


class ChoiceInline(console.TabularInline):
    model = Choice
    extra = 3
    fields = ("position", "text")


@admin.register(Poll)
class PollAdmin(console.ModelAdmin):
    list_display = ("title", "kind", "period", "quota_display", "responses_count", "results_link", "is_active")
    list_filter = ("is_active", "kind")
    search_fields = ("title",)
    fields = (
        "title",
        "kind",
        "description",
        "starts_at",
        "ends_at",
        "is_active",
        "quota",
        "results_public",
        "responses_count",
    )
    readonly_fields = ("responses_count",)
    inlines = [QuestionInline]

    def get_urls(self):
        return [
            path("<int:pk>/results/", self.admin_site.admin_view(self.results_view), name="polls_poll_results"),
        ] + super().get_urls()

    @admin.display(description="时间")
    def period(self, obj):
        return f"{local(obj.starts_at)} 至 {local(obj.ends_at)}"

    @admin.display(description="回收上限")
    def quota_display(self, obj):
        return obj.quota if obj.quota is not None else "不限"

    @admin.display(description="结果")
    def results_link(self, obj):
        return format_html('<a href="{}">查看结果</a>', reverse("admin:polls_poll_results", args=[obj.pk]))

    def results_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        poll = get_object_or_404(Poll, pk=pk)
        if request.GET.get("format") == "csv":
            return self.csv(poll)
        results = selectors.results(poll)
        charts = []
        for question in results.questions:
            if question.choices:
                chart = bars_of([(c.text, c.count) for c in question.choices])
            elif question.ratings:
                chart = bars_of([(f"{r} 分", n) for r, n in question.ratings])
            else:
                chart = None
            charts.append({"question": question, "chart": chart})
        context = {
            **self.admin_site.each_context(request),
            "title": f"问卷结果：{poll.title}",
            "opts": self.model._meta,
            "poll": poll,
            "results": results,
            "charts": charts,
            "period": self.period(poll),
        }
        return TemplateResponse(request, "admin/polls/results.html", context)

    def csv(self, poll):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}-responses.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM as Chinese
        writer = csv.writer(response)
        for row in selectors.export_rows(poll):
            writer.writerow(row)
        return response


@admin.register(Question)
class QuestionAdmin(console.ModelAdmin):
    list_display = ("text", "poll", "kind", "required", "position")
    list_filter = ("kind", "poll")
    inlines = [ChoiceInline]

    def has_module_permission(self, request):
        return False  # reached from its poll


class AnswerInline(console.ReadOnlyInline):
    model = Answer
    fields = ("question", "choice", "rating", "text")
    readonly_fields = fields


@admin.register(Response)
class ResponseAdmin(console.ReadOnlyAdmin):
    list_display = ("number", "poll", "member_display", "submitted")
    list_filter = ("poll",)
    list_select_related = ("poll", "member")
    inlines = [AnswerInline]

    @admin.display(description="答卷")
    def number(self, obj):
        return f"第 {obj.pk} 份"

    @admin.display(description="会员")
    def member_display(self, obj):
        return obj.member.nickname or obj.member.username

    @admin.display(description="提交时间", ordering="created_at")
    def submitted(self, obj):
        return local(obj.created_at)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj
