-- Upload sessions, second step: a SHA-256 kept live in the memory of the server that took the
-- last append, and direct uploads finished by a job rather than inside the completing request.

-- The token of the live hash that covers the staged bytes: the server that recorded the last
-- append holds a SHA-256 of them in memory under this token (Node's own, four times faster than
-- the saved WebAssembly state). Another server, or the same one restarted, does not find it and
-- rebuilds the hash from the staged bytes; NULL when hash_state is what counts.
ALTER TABLE upload_sessions ADD COLUMN hash_chain text;

-- 'finishing': a direct upload whose completion runs as an upload.finalize job (its parts are
-- assembled and read back for the SHA-256); 'failed': that job refused the file, for the reason
-- in `failure`, and removed the staged bytes. Both are kept until the session expires, for the
-- client that polls.
ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_status_check;
ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_status_check CHECK (status IN ('receiving', 'finishing', 'completed', 'failed'));
-- Why a finishing upload failed, as the API error it would have been: {"status", "code", "detail"}.
ALTER TABLE upload_sessions ADD COLUMN failure jsonb;
