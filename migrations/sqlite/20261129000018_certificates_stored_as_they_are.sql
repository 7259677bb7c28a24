-- PostgreSQL's migration 18 stores certificates uncompressed; SQLite never compresses
-- them: nothing to change here (the file keeps both engines' versions in step).
SELECT 1;
