-- The lost link (issue 22): a NIK and its birth date send a new manage link, a message
-- of a new kind.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired', 'certificate_rejected', 'released', 'confirmed', 'reminder', 'verification_code', 'link_recovery'));

-- A certificate accepted with a form refused for another field is kept for the form's
-- correction (issue 22): the form carries a random reference (only its hash is here),
-- and the row goes when the booking is made or after an hour. All drafts together are
-- capped (see src/store/drafts.rs), so refused forms cannot fill the disk.
CREATE TABLE draft_uploads (
    id BIGSERIAL PRIMARY KEY,
    ref_hash TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX draft_uploads_created ON draft_uploads (created_at);
