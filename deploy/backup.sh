#!/bin/sh
# Nightly logical backup of the primary (deploy/README.md, "Backup"): pg_dump -Fc, checked readable, kept
# BACKUP_KEEP_DAYS. Connection from libpq's variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSFILE).
set -eu
: "${BACKUP_DIR:?set BACKUP_DIR}"
keep="${BACKUP_KEEP_DAYS:-35}"
f="$BACKUP_DIR/phananh-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump -Fc --no-owner -f "$f.part"
pg_restore --list "$f.part" > /dev/null   # the archive's table of contents reads back
mv "$f.part" "$f"
find "$BACKUP_DIR" -name 'phananh-*.dump' -mtime +"$keep" -delete
echo "backup written: $f ($(du -h "$f" | cut -f1))"
