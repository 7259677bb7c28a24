-- Every temperature taken at the door, oldest first: a first reading above the limit is
-- kept with the time its retest is due, and the second reading may come alone.
CREATE TABLE readings (
    id BIGSERIAL PRIMARY KEY,
    booking_id BIGINT NOT NULL REFERENCES bookings(id),
    temperature_dc BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    retest_due_at BIGINT
);
CREATE INDEX readings_booking ON readings (booking_id);
