-- rekam initial schema (SQLite). Instants are UTC seconds since the epoch (BIGINT),
-- local calendar dates are 'YYYY-MM-DD' text: the same representation on both engines,
-- so one set of queries serves SQLite and PostgreSQL through sqlx's Any driver.

create table offices (
    id integer primary key,
    slug text not null unique,
    name text not null,
    timezone text not null,
    address text not null,
    recording_sets bigint not null check (recording_sets > 0),
    minutes_per_recording bigint not null check (minutes_per_recording > 0),
    waiting_room_seats bigint not null check (waiting_room_seats > 0),
    slot_minutes bigint not null check (slot_minutes > 0),
    max_visitors_per_day bigint,
    booking_horizon_days bigint not null,
    -- {"mon": ["08:00", "15:00"], ...}
    hours text not null,
    -- {"antigen": 24, "pcr": 72, ...}: accepted kinds and validity in hours
    certificate_kinds text not null,
    created_at bigint not null,
    updated_at bigint not null
);

create table staff (
    id integer primary key,
    username text not null unique,
    password_hash text not null,
    role text not null check (role in ('desk', 'supervisor', 'admin')),
    office_id bigint references offices (id),
    created_at bigint not null
);

-- API tokens; only the SHA-256 of a token is kept.
create table staff_tokens (
    id integer primary key,
    staff_id bigint not null references staff (id),
    token_hash text not null unique,
    created_at bigint not null,
    revoked_at bigint
);

create table bookings (
    id integer primary key,
    code text not null unique,
    token_hash text not null,
    office_id bigint not null references offices (id),
    slot_start bigint not null,
    slot_end bigint not null,
    -- office-local date of slot_start, the key of day_loads
    local_date text not null,
    status text not null check (status in ('confirmed', 'needs_rebooking', 'waitlisted', 'cancelled',
        'checked_in', 'recorded', 'no_show', 'turned_away')),
    nik text not null,
    name text not null,
    birth_date text not null,
    phone text not null,
    email text,
    married bigint not null default 0,
    lang text not null default 'id',
    -- optimistic concurrency: every change bumps it, changes name the version they read
    version bigint not null default 1,
    created_at bigint not null,
    updated_at bigint not null
);
-- One active booking per NIK (API.md), held by the database itself.
create unique index bookings_one_active_per_nik on bookings (nik)
    where status in ('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in');
create index bookings_office_day on bookings (office_id, local_date);

create table certificates (
    id integer primary key,
    booking_id bigint not null references bookings (id),
    kind text not null,
    issued_at bigint not null,
    content_type text not null,
    size_bytes bigint not null,
    content blob not null,
    status text not null default 'submitted' check (status in ('submitted', 'accepted', 'rejected')),
    review_reason text,
    uploaded_at bigint not null,
    -- set when a newer upload replaces it; the booking's current one has null
    superseded_at bigint
);
create index certificates_booking on certificates (booking_id);

-- Seats taken per slot and per day. Booking takes a seat with a conditional
-- update (booked < capacity) inside the booking's transaction.
create table slot_loads (
    office_id bigint not null references offices (id),
    slot_start bigint not null,
    booked bigint not null default 0 check (booked >= 0),
    primary key (office_id, slot_start)
);

create table day_loads (
    office_id bigint not null references offices (id),
    local_date text not null,
    booked bigint not null default 0 check (booked >= 0),
    primary key (office_id, local_date)
);

create table audit_log (
    id integer primary key,
    at bigint not null,
    -- 'applicant', 'staff:<username>', 'system'
    actor text not null,
    action text not null,
    office_id bigint,
    booking_id bigint,
    detail text
);
create index audit_log_booking on audit_log (booking_id);

-- Answers to writes sent with Idempotency-Key, stored in the write's transaction.
create table idempotency_keys (
    key text primary key,
    scope text not null,
    status bigint not null,
    body text not null,
    created_at bigint not null
);
