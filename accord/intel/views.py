"""The feed's pages: the feed (filters, paging, expanding a post marks it seen), a new post,
a post's page (comments, pinning, acknowledgements), its attachments, and the competitors'
battlecards. Thin: a form, one service or selector, a template."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.intel import attachments as files
from accord.intel import receipts, selectors, services
from accord.intel.forms import AckRequestForm, CommentForm, FeedFilterForm, PostForm
from accord.intel.models import Attachment, Post, TagKind
from accord.intel.rules import STALE_AFTER_DAYS
from accord.pipeline.selectors import deals_visible
from accord.ui.paging import paged

PAGE = "intel"
PER_PAGE = 20
#: Service fields → the form field that shows their errors.
_FORM_FIELDS = {
    "team_ids": "teams",
    "deal_ids": "deals",
    "account_ids": "accounts",
    "campaign_ids": "campaigns",
    "tags": "competitors",
}


def _field_error(form: Any, error: DomainError) -> None:
    field = _FORM_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


@policy.page_required(PAGE)
def feed(request: PageRequest) -> HttpResponse:
    form = FeedFilterForm(request.GET)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    posts = selectors.posts_filtered(
        user=request.user,
        q=data.get("q") or "",
        kind=data.get("kind") or "",
        tag_id=data["tag"].pk if data.get("tag") else None,
        competitor=data["competitor"].name if data.get("competitor") else "",
        author_id=data["author"].pk if data.get("author") else None,
        unread=bool(data.get("unread")),
    )
    listed = paged(request, posts, per_page=PER_PAGE)
    rows = listed.rows
    seen = selectors.seen_post_ids(request.user, [post.pk for post in rows])
    filtered = any(value for key, value in request.GET.items() if key != "page")
    return render(
        request,
        "intel/feed.html",
        {
            "form": form,
            "listed": listed,
            "posts": [{"post": post, "unread": post.pk not in seen} for post in rows],
            "filtered": filtered,
            "competitors": selectors.competitors(),
        },
    )


@policy.page_required(PAGE)
def post_create(request: PageRequest) -> HttpResponse:
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = _post_publish(request, form)
        except DomainError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("Your post is published."))
            return redirect("intel:post_detail", post_id=post.pk)
    return render(request, "intel/post_form.html", {"form": form})


def _post_publish(request: PageRequest, form: PostForm) -> Post:
    data = form.cleaned_data
    deal_ids = data["deals"]
    visible = set(
        deals_visible(user=policy.rep_scope(request.user, "deals"))
        .filter(pk__in=deal_ids)
        .values_list("pk", flat=True)
    )
    unseen = [pk for pk in deal_ids if pk not in visible]
    if unseen:  # another rep's deal does not exist for this rep
        raise DomainError(_("No such deal: %(id)s.") % {"id": unseen[0]}, field="deal_ids")
    team_ids = [team.pk for team in data["teams"]]
    if team_ids:
        receipts.ack_teams_check(team_ids)  # refused before any file is written
    uploads = files.uploads_check((f.name, f) for f in data["attachments"])
    with transaction.atomic():
        post = services.post_create(
            author=request.user,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            tags=form.tag_pairs(),
            deal_ids=deal_ids,
            account_ids=data["accounts"],
            campaign_ids=[campaign.pk for campaign in data["campaigns"]],
            uploads=uploads,
        )
        if team_ids:
            receipts.ack_request(post=post, user=request.user, team_ids=team_ids)
    return post


def _post_context(request: PageRequest, post: Post, **extra: Any) -> dict[str, Any]:
    receipt = selectors.receipt_of(post, request.user)
    return {
        "post": post,
        "deals": selectors.visible_deals(post, request.user),
        "accounts": list(post.accounts.all()),
        "campaigns": list(post.campaigns.all()),
        "attachments": list(post.attachments.all()),
        "comments": list(post.comments.select_related("author")),
        "teams_asked": selectors.ack_summary(post),
        "receipt": receipt,
        "asked": selectors.asked_to_acknowledge(post, request.user),
        "can_manage": services.post_manage_allowed(request.user, post),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "ack_form": extra.pop("ack_form", None) or AckRequestForm(),
        **extra,
    }


def _post(post_id: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("author").prefetch_related("tags"), pk=post_id
    )


@policy.page_required(PAGE)
def post_detail(request: PageRequest, post_id: int) -> HttpResponse:
    post = _post(post_id)
    receipts.post_seen(post=post, user=request.user)
    return render(request, "intel/post_detail.html", _post_context(request, post))


@require_POST
@policy.page_required(PAGE)
def post_seen(request: PageRequest, post_id: int) -> HttpResponse:
    """The feed expanded a post (htmx): it counts as seen."""
    receipts.post_seen(post=_post(post_id), user=request.user)
    return HttpResponse(status=204)


@require_POST
@policy.page_required(PAGE)
def comment_create(request: PageRequest, post_id: int) -> HttpResponse:
    post = _post(post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(post=post, author=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            _field_error(form, error)
        else:
            return redirect(f"{post_url(post)}#comments")
    context = _post_context(request, post, comment_form=form)
    return render(request, "intel/post_detail.html", context, status=400)


def post_url(post: Post) -> str:
    return services.post_url(post.pk)


@require_POST
@policy.page_required(PAGE)
def post_pin(request: PageRequest, post_id: int) -> HttpResponse:
    post = _post(post_id)
    services.post_pin(post=post, user=request.user, pinned=request.POST.get("pinned") == "1")
    return redirect(post_url(post))


@require_POST
@policy.page_required(PAGE)
def ack_request(request: PageRequest, post_id: int) -> HttpResponse:
    post = _post(post_id)
    services.post_manage_require(request.user, post)
    form = AckRequestForm(request.POST)
    if form.is_valid():
        try:
            receipts.ack_request(
                post=post, user=request.user, team_ids=[t.pk for t in form.cleaned_data["teams"]]
            )
        except DomainError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("The teams are asked to acknowledge the post."))
            return redirect(post_url(post))
    context = _post_context(request, post, ack_form=form)
    return render(request, "intel/post_detail.html", context, status=400)


@require_POST
@policy.page_required(PAGE)
def acknowledge(request: PageRequest, post_id: int) -> HttpResponse:
    post = _post(post_id)
    receipts.post_acknowledge(post=post, user=request.user)
    if request.htmx:
        return render(request, "intel/_ack_panel.html", _post_context(request, post))
    return redirect(post_url(post))


@policy.page_required(PAGE)
def attachment_download(request: PageRequest, attachment_id: int) -> HttpResponse:
    """A file of a post: for whoever may open the feed, as the type its content showed on
    upload, never sniffed again by the browser, and downloaded unless it is an image."""
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    path = files.file_path(attachment.stored_name)
    if not path.is_file():
        return HttpResponse(_("This file is no longer stored."), status=410)
    inline = attachment.content_type in files.INLINE_TYPES
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    # A streaming response: ``page_required`` passes any response through unchanged.
    return cast(HttpResponse, response)


# --- Competitors -----------------------------------------------------------------------------


@policy.page_required(PAGE)
def competitor_list(request: PageRequest) -> HttpResponse:
    now = timezone.now()
    cards = [selectors.battlecard(tag, now=now) for tag in selectors.competitors()]
    return render(
        request, "intel/competitors.html", {"cards": cards, "stale_after": STALE_AFTER_DAYS}
    )


@policy.page_required(PAGE)
def competitor_detail(request: PageRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(selectors.competitors(), pk=tag_id, kind=TagKind.COMPETITOR)
    card = selectors.battlecard(tag)
    # The counts are aggregates (like reports); the rows are the deals this person may open.
    lost = (
        selectors.deals_lost_to(tag)
        .filter(pk__in=deals_visible(user=policy.rep_scope(request.user, "deals")).values("pk"))
        .select_related("account", "owner")
        .order_by("-closed_at", "-pk")
    )
    posts = selectors.posts_filtered(user=request.user, competitor=tag.name)
    return render(
        request,
        "intel/competitor.html",
        {
            "card": card,
            "stale": card.days_since_update is None or card.days_since_update > STALE_AFTER_DAYS,
            "lost": paged(request, lost, param="lost", per_page=10),
            "posts": paged(request, posts, param="page", per_page=10),
        },
    )
