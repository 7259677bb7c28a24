-- Certificates are photos, scans and PDFs: already compressed. Storing them EXTERNAL
-- (out of line, uncompressed) spares PostgreSQL a compression attempt on every upload
-- that would save nothing (issue 12: the booking path's cost with a 100 KB file).
alter table certificates alter column content set storage external;
