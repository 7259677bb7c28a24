-- Every temperature taken at the door, oldest first: a first reading above the limit is
-- kept with the time its retest is due, and the second reading may come alone.
CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    booking_id INTEGER NOT NULL REFERENCES bookings(id),
    temperature_dc INTEGER NOT NULL,
    taken_at INTEGER NOT NULL,
    retest_due_at INTEGER
);
CREATE INDEX readings_booking ON readings (booking_id);
