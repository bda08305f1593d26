"""Everything this domain serves: GeoReport v2 at /open311/v2 and the key admin API at /api/v1/admin/api-keys."""

from fastapi import APIRouter

from phananh.open311.admin import router as admin_router
from phananh.open311.routes import router as georeport_router

router = APIRouter()
router.include_router(admin_router)
router.include_router(georeport_router)
