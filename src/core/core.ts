import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import type { CofferConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { AuditRepository } from '../repositories/audit.repository.js';
import { NodeRepository } from '../repositories/node.repository.js';
import { NewFilesRepository } from '../repositories/new-files.repository.js';
import { NodeMoveRepository } from '../repositories/node-move.repository.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';
import { SpaceRepository } from '../repositories/space.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { VersionRepository } from '../repositories/version.repository.js';
import { LockRepository } from '../repositories/lock.repository.js';
import { PropertyRepository } from '../repositories/property.repository.js';
import { LocksService } from '../services/locks.service.js';
import { PropertiesService } from '../services/properties.service.js';
import { ProtocolSessionsService } from '../services/protocol-sessions.service.js';
import { AuditService } from '../services/audit.service.js';
import { AuditSealer } from '../services/audit-sealer.js';
import { AuthService } from '../services/auth.service.js';
import { FilesService } from '../services/files.service.js';
import { FsckService } from '../services/fsck.service.js';
import { TrashService } from '../services/trash.service.js';
import { TreeService } from '../services/tree.service.js';
import { UsersService } from '../services/users.service.js';
import { VersionsService } from '../services/versions.service.js';
import { ZipService } from '../services/zip.service.js';
import { SubtreeRepository } from '../repositories/subtree.repository.js';
import { AccessRepository } from '../repositories/access.repository.js';
import { AccessService } from '../services/access.service.js';
import { ShareRepository } from '../repositories/share.repository.js';
import { SharesService } from '../services/shares.service.js';
import { LinkRepository } from '../repositories/link.repository.js';
import { LinksService } from '../services/links.service.js';
import { OrgRepository } from '../repositories/org.repository.js';
import { OrgsService } from '../services/orgs.service.js';
import { SpacesService } from '../services/spaces.service.js';
import { ServiceAccountRepository } from '../repositories/service-account.repository.js';
import { ServiceAccountsService } from '../services/service-accounts.service.js';
import { SignedUrlsService } from '../services/signed-urls.service.js';
import { PolicyRepository } from '../repositories/policy.repository.js';
import { WriteRulesService } from '../services/write-rules.service.js';
import { DerivedRepository } from '../repositories/derived.repository.js';
import { SpaceTemplatesService } from '../services/space-templates.service.js';
import { FolderExpiryService } from '../services/folder-expiry.service.js';
import { SupportService } from '../services/support.service.js';
import { SupportRepository } from '../repositories/support.repository.js';
import { RecordRepository } from '../repositories/record.repository.js';
import { RecordsService } from '../services/records.service.js';
import { UploadSessionRepository } from '../repositories/upload-session.repository.js';
import { UploadSessionsService } from '../services/upload-sessions.service.js';
import { JobRepository } from '../repositories/job.repository.js';
import { JobsService } from '../services/jobs.service.js';
import { DatabaseJobQueue } from '../jobs/database-queue.js';
import { DerivedBlobRepository } from '../repositories/derived-blob.repository.js';
import { PreviewsService } from '../services/previews.service.js';
import { FavoritesService } from '../services/favorites.service.js';
import { FavoriteRepository } from '../repositories/favorite.repository.js';
import { ContentJobs } from '../services/content-jobs.js';
import { SearchRepository } from '../repositories/search.repository.js';
import { SearchService } from '../services/search.service.js';
import { TextExtractor } from '../services/text-extraction-process.js';
import { DEFAULT_EXTRACTION_LIMITS } from '../services/text-extraction.js';
import { createHmac } from 'node:crypto';
import { LoginFlowRepository } from '../repositories/login-flow.repository.js';
import { DEFAULT_LOGIN_FLOW_SETTINGS, LoginFlowService } from '../services/login-flow.service.js';

/** The rules of Coffer, wired to their ports. Doors (HTTP, CLI, jobs) only call these. */
export interface Core {
  config: CofferConfig;
  db: Database;
  blobs: BlobStore;
  logger: Logger;
  audit: AuditService;
  auth: AuthService;
  users: UsersService;
  access: AccessService;
  tree: TreeService;
  files: FilesService;
  trash: TrashService;
  versions: VersionsService;
  fsck: FsckService;
  properties: PropertiesService;
  locks: LocksService;
  protocolSessions: ProtocolSessionsService;
  zip: ZipService;
  shares: SharesService;
  links: LinksService;
  orgs: OrgsService;
  spaces: SpacesService;
  serviceAccounts: ServiceAccountsService;
  signedUrls: SignedUrlsService;
  rules: WriteRulesService;
  records: RecordsService;
  templates: SpaceTemplatesService;
  support: SupportService;
  folderExpiry: FolderExpiryService;
  /** Uploads over several requests (tus, direct-to-S3 parts). */
  uploads: UploadSessionsService;
  /** The job queue port (on the database); services enqueue through it in their own transactions. */
  queue: DatabaseJobQueue;
  jobs: JobsService;
  previews: PreviewsService;
  search: SearchService;
  favorites: FavoritesService;
  /**
   * This installation's id, the same on every server of it: Nextcloud's clients read file ids as
   * the number followed by it (oc:id), and tell servers apart by it.
   */
  instanceId: string;
  /** Nextcloud's login flows: a device asks, its owner lets it in, it gets an app password. */
  loginFlows: LoginFlowService;
}

export function createCore(deps: { config: CofferConfig; db: Database; blobs: BlobStore; logger: Logger; jwtSecret: Uint8Array; auditKey: Buffer; instanceId: string }): Core {
  const { config, db, blobs, logger } = deps;
  const nodeRepo = new NodeRepository();
  const jobRepo = new JobRepository();
  const queue = new DatabaseJobQueue(jobRepo);
  const spaceRepo = new SpaceRepository();
  const versionRepo = new VersionRepository();
  const userRepo = new UserRepository();
  const auditRepo = new AuditRepository(deps.auditKey);
  const audit = new AuditService(db, auditRepo, deps.auditKey, new AuditSealer(db, auditRepo, logger, config.auditSealSweepMs));
  const accessRepo = new AccessRepository();
  const access = new AccessService(db, accessRepo);
  const tree = new TreeService(db, nodeRepo, spaceRepo, access, config.maxPathDepth);
  const users = new UsersService(db, userRepo, spaceRepo, nodeRepo, audit, config.defaultQuotaBytes, (): UploadSessionsService => uploads);
  const rateLimits = new RateLimitRepository();
  const auth = new AuthService(db, userRepo, rateLimits, audit, {
    jwtSecret: deps.jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    loginPerIpPerMinute: config.loginRateLimit.perIpPerMinute,
    loginFailuresPerSource: config.loginRateLimit.failuresPerAccountAndIp,
    loginFailuresPerIp: config.loginRateLimit.failuresPerIp,
  });
  const loginFlows = new LoginFlowService({ db, repo: new LoginFlowRepository(), auth, rateLimits, users: userRepo, audit, settings: DEFAULT_LOGIN_FLOW_SETTINGS });
  const propertyRepo = new PropertyRepository();
  const orgRepo = new OrgRepository();
  const policyRepo = new PolicyRepository();
  const rules = new WriteRulesService(db, policyRepo, orgRepo, audit, tree);
  const derived = new DerivedRepository();
  // Search cursors are sealed with a key of their own, derived from the same secret.
  const cursorKey = createHmac('sha256', deps.jwtSecret).update('coffer search cursors').digest();
  const extractor = new TextExtractor({ limits: { ...DEFAULT_EXTRACTION_LIMITS, timeoutMs: config.textExtraction.timeoutSeconds * 1000 }, memoryMiB: config.textExtraction.memoryMiB });
  const search = new SearchService({ db, repo: new SearchRepository(), access, orgs: orgRepo, shares: new ShareRepository(), spaces: spaceRepo, blobs, logger, cursorKey, extractor });
  const previews = new PreviewsService({ db, repo: new DerivedBlobRepository(), versions: versionRepo, blobs, tree, queue, logger, config: config.previews });
  const contentJobs = new ContentJobs(previews, search);
  const files = new FilesService({ contentJobs, queue, rules, derived, tree, nodes: nodeRepo, properties: propertyRepo, newFiles: new NewFilesRepository(), moves: new NodeMoveRepository(), spaces: spaceRepo, versions: versionRepo, blobs, audit, logger, maxUploadBytes: config.maxUploadBytes });
  const trash = new TrashService({ tree, nodes: nodeRepo, spaces: spaceRepo, versions: versionRepo, properties: propertyRepo, blobs, audit, logger, defaultRetentionDays: config.trashRetentionDays });
  const versions = new VersionsService(tree, nodeRepo, spaceRepo, versionRepo, audit, contentJobs, queue);
  const fsck = new FsckService({ db, blobs, spaces: spaceRepo, versions: versionRepo, nodes: nodeRepo, properties: propertyRepo, audit, logger, graceSeconds: config.blobGraceSeconds });
  const properties = new PropertiesService(db, tree, propertyRepo, spaceRepo);
  const locks = new LocksService(db, tree, new LockRepository());
  const protocolSessions = new ProtocolSessionsService(db, userRepo, audit, config.dav.maxProtocolSessions);
  const shares = new SharesService({ db, tree, access, shares: new ShareRepository(), users: userRepo, audit });
  // Link sessions are signed with a key of their own, derived so it never equals the token key.
  const linkKey = createHmac('sha256', deps.jwtSecret).update('coffer link sessions').digest();
  const links = new LinksService({ db, tree, links: new LinkRepository(), rateLimits, audit, secret: linkKey });
  const zip = new ZipService({ db, tree, subtrees: new SubtreeRepository(), blobs, audit });
  const uploads = new UploadSessionsService({ db, repo: new UploadSessionRepository(), files, tree, blobs, nodes: nodeRepo, queue, logger, expirySeconds: config.uploadExpirySeconds });
  // Deleting an organisation purges its spaces, and spaces ask organisations who is an admin.
  const orgs: OrgsService = new OrgsService({ db, orgs: orgRepo, users: userRepo, audit, spaces: (): SpacesService => spaces });
  const templates = new SpaceTemplatesService({ db, access, tree, nodes: nodeRepo, spaces: spaceRepo, policies: policyRepo, rules, files, zip, audit });
  const spaces: SpacesService = new SpacesService({ db, orgs: orgRepo, spaces: spaceRepo, nodes: nodeRepo, versions: versionRepo, access, audit, orgService: orgs, trash, policies: policyRepo, templates, uploads });
  const folderExpiry = new FolderExpiryService({ db, policies: policyRepo, nodes: nodeRepo, trash, logger });
  const serviceAccounts = new ServiceAccountsService({ db, repo: new ServiceAccountRepository(), spaces: spaceRepo, orgs, files, audit, uploads });
  // Signed URLs too have a key of their own, derived from the same secret.
  const signedUrlKey = createHmac('sha256', deps.jwtSecret).update('coffer signed urls').digest();
  const signedUrls = new SignedUrlsService({ db, tree, orgs: orgRepo, users: userRepo, serviceAccounts, audit, secret: signedUrlKey, personalMaxSeconds: 86_400 });
  const favorites = new FavoritesService({ db, repo: new FavoriteRepository(), access });
  return { loginFlows, favorites, instanceId: deps.instanceId, search, uploads, config, db, blobs, logger, audit, auth, users, access, tree, files, trash, versions, fsck, properties, locks, protocolSessions, zip, shares, links, orgs, spaces, serviceAccounts, signedUrls, rules, records: new RecordsService(db, new RecordRepository(), access, tree, audit), templates, folderExpiry, support: new SupportService({ db, repo: new SupportRepository(), orgs: orgRepo, access: accessRepo, audit }), queue, jobs: new JobsService({ db, repo: jobRepo, queue, audit }), previews };
}
