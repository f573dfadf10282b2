-- Upload sessions, third step: Nextcloud/ownCloud chunked uploads (chunking NG and v2, at
-- /remote.php/dav/uploads/{user}/{transfer id}/) become sessions of their own protocol on the
-- same service as tus. Their length and their destination may only be known when the client
-- finishes (MOVE …/.file): see UploadSessionOptions.lengthLater / targetLater, kept in `options`.
ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_protocol_check;
ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_protocol_check CHECK (protocol IN ('tus', 'direct', 'nextcloud'));
