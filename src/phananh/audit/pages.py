"""The admin page of the tamper-evident record: the head to publish, the last verification, "verify now"."""

from __future__ import annotations

from fastapi import APIRouter

from phananh.audit import seal, verify
from phananh.db import reading
from phananh.web.session import FormWeb, PageWeb, require_staff
from phananh.web.templating import render
from phananh.workflow import Role

router = APIRouter(prefix="/admin", include_in_schema=False)
PATH = "/admin/nhat-ky"


@router.get("/nhat-ky")
async def audit_page(web: PageWeb):
    require_staff(web, Role.admin)
    engine = web.request.app.state.engine
    async with reading(engine) as conn:
        head = await seal.read_head(conn)
        last = await verify.last_verification(conn)
    return render(web, "admin/audit.html", head=head, last=last)


@router.post("/nhat-ky")
async def verify_now(web: FormWeb):
    p = require_staff(web, Role.admin)
    engine = web.request.app.state.engine
    result = await verify.verify(engine)
    await verify.record(engine, result, by=p.signed_in_username)
    if result.problem is None:  # ok
        web.flash("ok", web._("Verified: the record holds."))
    else:
        web.flash("error", web._("The verification found a problem: {problem}", problem=result.problem.text(web.lang)))
    return web.redirect(PATH)
