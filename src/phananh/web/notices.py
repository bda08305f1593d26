"""In-app notifications of the signed-in user, as a page: read through the notifications domain's own
route functions (`/api/v1/notifications`), so the page and the API cannot disagree."""

from __future__ import annotations

from fastapi import APIRouter

from phananh.notifications import routes as notifications_api
from phananh.web.session import FormWeb, PageWeb, Redirect
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(include_in_schema=False)


def report_link(role: Role, report_id: int | None) -> str | None:
    if report_id is None:
        return None
    if role in (Role.handler, Role.agency_leader):
        return f"/agency/phan-anh/{report_id}"
    if role in (Role.dispatcher, Role.admin, Role.supervisor):
        return f"/portal/phan-anh/{report_id}"
    return f"/cua-toi/{report_id}" if role == Role.citizen else None


@router.get("/thong-bao")
async def notices(web: PageWeb):
    if web.principal.user_id is None:
        raise Redirect("/dang-nhap?next=/thong-bao")
    page = await notifications_api.list_notifications(engine=web.request.app.state.engine, principal=web.principal,
                                                      unread=False, page=1, page_size=50)
    links = {n["id"]: report_link(web.principal.role, n["report_id"]) for n in page["items"]}
    return render(web, "notices.html", page=page, links=links)


@router.post("/thong-bao/da-doc")
async def mark_all_read(web: FormWeb):
    if web.principal.user_id is None:
        raise Redirect("/dang-nhap?next=/thong-bao")
    await notifications_api.mark_all_read(engine=web.request.app.state.engine, principal=web.principal,
                                          now=web.request.app.state.clock())
    return web.redirect("/thong-bao")
