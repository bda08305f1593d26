"""The citizen's rights on the web app (`/cua-toi/...`): who read my identity, and erasing it (with a confirmation
step). The download is the API's own `GET /api/v1/me/data`, which the session cookie opens."""

from __future__ import annotations

from fastapi import APIRouter

from phananh.db import reading
from phananh.privacy import service
from phananh.privacy.service import READ_PURPOSES
from phananh.web.forms import text_fields
from phananh.web.session import SESSION_COOKIE, FormWeb, PageWeb, Redirect, Web
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(include_in_schema=False)


def _citizen(web: Web):
    if web.principal.role != Role.citizen:
        raise Redirect("/dang-nhap-cong-dan")
    return web.principal


@router.get("/cua-toi/ai-da-xem")
async def identity_reads_page(web: PageWeb):
    p = _citizen(web)
    async with reading(web.request.app.state.engine) as conn:
        reads = await service.identity_reads_of(conn, p)
    return render(web, "citizen/identity_reads.html", reads=reads,
                  purpose_label=lambda code: web._(READ_PURPOSES.get(code, "Other")))


@router.get("/cua-toi/xoa-thong-tin")
async def erase_page(web: PageWeb):
    _citizen(web)
    return render(web, "citizen/erase.html", errors={})


@router.post("/cua-toi/xoa-thong-tin")
async def erase_confirmed(web: FormWeb):
    p = _citizen(web)
    fields = text_fields(await web.request.form())
    if fields.get("confirm") not in ("1", "on", "true"):
        return render(web, "citizen/erase.html", status=422,
                      errors={"confirm": web._("Tick the box to confirm; this cannot be undone.")})
    async with web.request.app.state.engine.begin() as conn:
        erased = await service.erase_my_identity(conn, p, now=web.request.app.state.clock())
    web.set_cookies[SESSION_COOKIE] = (None, {})  # the account is closed: this browser is signed out
    web.flash("ok", web._("Your personal information was erased from {count} report(s); the reports remain "
                          "without it. You are signed out.", count=erased.reports))
    return web.redirect("/cua-toi")
