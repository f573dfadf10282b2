-- Numeric share ids for the Nextcloud and ownCloud apps' sharing API (issue 14).
--
-- The apps keep a share's id as an integer (NextcloudKit's NKShare.idShare is an Int, the
-- Android library's OCShare.remoteId a long), and one list holds shares with people and public
-- links alike, so both kinds draw their numbers from one sequence: a number names one share or
-- one link, for its whole life. Existing rows are numbered when the columns are added.
CREATE SEQUENCE share_numbers AS bigint;
ALTER TABLE shares ADD COLUMN number bigint NOT NULL DEFAULT nextval('share_numbers');
ALTER TABLE links ADD COLUMN number bigint NOT NULL DEFAULT nextval('share_numbers');
CREATE UNIQUE INDEX shares_number ON shares (number);
CREATE UNIQUE INDEX links_number ON links (number);
