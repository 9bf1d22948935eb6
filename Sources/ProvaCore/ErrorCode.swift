/// A stable, machine-readable error code: the `code` of every Prova error type and of the API's `{code, message}` body.
/// On the wire it is the plain string (`"nonce_replayed"`); in code it is one of the constants below, so a misspelt
/// code does not compile and nothing branches on the text of a code.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// The transaction's nonce does not follow the sender's (replayed or skipped): signing it again with the next nonce helps.
    public var isNonceMismatch: Bool { self == .nonceReplayed || self == .nonceSkipped }
}

// MARK: Transactions: shape, encoding, keys (ProvaCore)
extension ErrorCode {
    /// A fee (or a sum of fees) would be larger than the whole supply of credits.
    public static let feeOverflow = ErrorCode("fee_overflow")
    /// A sum or product the ledger forms would leave 64 bits; the transaction is refused instead.
    public static let arithmeticOverflow = ErrorCode("arithmetic_overflow")
    public static let badCpu = ErrorCode("bad_cpu")
    public static let badDuration = ErrorCode("bad_duration")
    public static let badEncoding = ErrorCode("bad_encoding")
    public static let badGenesis = ErrorCode("bad_genesis")
    public static let badKey = ErrorCode("bad_key")
    public static let badMemory = ErrorCode("bad_memory")
    public static let badParameters = ErrorCode("bad_parameters")
    public static let badSender = ErrorCode("bad_sender")
    public static let badSignature = ErrorCode("bad_signature")
    public static let invalidField = ErrorCode("invalid_field")
    public static let tooLarge = ErrorCode("too_large")
    public static let wrongChain = ErrorCode("wrong_chain")
}

// MARK: Ledger rules (ProvaLedger)
extension ErrorCode {
    /// A block timestamped further ahead of the receiving validator's clock than `maxClockDrift`.
    public static let timestampInFuture = ErrorCode("timestamp_in_future")
    /// Only the owner of a program or prover set may retire it.
    public static let notOwner = ErrorCode("not_owner")
    public static let alreadyRetired = ErrorCode("already_retired")
    public static let programRetired = ErrorCode("program_retired")
    public static let proverSetRetired = ErrorCode("prover_set_retired")
    public static let acceptanceWindowClosed = ErrorCode("acceptance_window_closed")
    public static let alreadyFinished = ErrorCode("already_finished")
    public static let alreadyJoined = ErrorCode("already_joined")
    public static let alreadyVoted = ErrorCode("already_voted")
    /// A reveal whose vote, salt and transcript do not open the verifier's commitment, or whose transcript names other proof files.
    public static let revealMismatch = ErrorCode("reveal_mismatch")
    /// A reveal before every drawn verifier has committed (or missed its window): reveals would be copied.
    public static let revealsNotOpen = ErrorCode("reveals_not_open")
    public static let badHeight = ErrorCode("bad_height")
    public static let badPreviousHash = ErrorCode("bad_previous_hash")
    /// A block whose beacon is not the one ECVRF output its proposer's key gives for the previous beacon and height.
    public static let badBeacon = ErrorCode("bad_beacon")
    /// A block proposed by a key that is not one of the genesis validators.
    public static let unknownProposer = ErrorCode("unknown_proposer")
    /// A block whose signature is not its proposer's over the header hash.
    public static let badBlockSignature = ErrorCode("bad_block_signature")
    /// A block by a validator whose turn at this height had not come: timestamped earlier than its rank in the
    /// height's proposer order allows (docs/PROTOCOL.md "Proposers").
    public static let proposerOutOfTurn = ErrorCode("proposer_out_of_turn")
    public static let badTimestamp = ErrorCode("bad_timestamp")
    public static let badTransaction = ErrorCode("bad_transaction")
    public static let badTransactionsRoot = ErrorCode("bad_transactions_root")
    public static let blockFull = ErrorCode("block_full")
    public static let blockTooLarge = ErrorCode("block_too_large")
    public static let corruptState = ErrorCode("corrupt_state")
    public static let deadlinePassed = ErrorCode("deadline_passed")
    public static let feeAboveMaximum = ErrorCode("fee_above_maximum")
    public static let insufficientBalance = ErrorCode("insufficient_balance")
    public static let mintOverflow = ErrorCode("mint_overflow")
    public static let missingOutput = ErrorCode("missing_output")
    public static let noWorkerFits = ErrorCode("no_worker_fits")
    public static let nonceReplayed = ErrorCode("nonce_replayed")
    public static let nonceSkipped = ErrorCode("nonce_skipped")
    public static let notAdmitted = ErrorCode("not_admitted")
    public static let notAssigned = ErrorCode("not_assigned")
    public static let notAuthority = ErrorCode("not_authority")
    public static let notAwaitingAcceptance = ErrorCode("not_awaiting_acceptance")
    public static let notCancellable = ErrorCode("not_cancellable")
    public static let notRequester = ErrorCode("not_requester")
    public static let notRunning = ErrorCode("not_running")
    public static let notVerifier = ErrorCode("not_verifier")
    public static let programBlocked = ErrorCode("program_blocked")
    public static let programExists = ErrorCode("program_exists")
    public static let proverSetExists = ErrorCode("prover_set_exists")
    public static let selfTransfer = ErrorCode("self_transfer")
    public static let stakeTooLow = ErrorCode("stake_too_low")
    public static let stateDigestMismatch = ErrorCode("state_digest_mismatch")
    public static let unknownAttempt = ErrorCode("unknown_attempt")
    public static let unknownProgram = ErrorCode("unknown_program")
    public static let unknownProverSet = ErrorCode("unknown_prover_set")
    public static let unknownTask = ErrorCode("unknown_task")
    public static let unknownWorker = ErrorCode("unknown_worker")
    public static let unknownWorkflow = ErrorCode("unknown_workflow")
    public static let voteClosed = ErrorCode("vote_closed")
    public static let workerBusy = ErrorCode("worker_busy")
    public static let workerExiting = ErrorCode("worker_exiting")
}

// MARK: Storage (ProvaStore)
extension ErrorCode {
    public static let badDigest = ErrorCode("bad_digest")
    public static let blobStoreFailed = ErrorCode("blob_store_failed")
    public static let corruptStore = ErrorCode("corrupt_store")
    public static let digestMismatch = ErrorCode("digest_mismatch")
    public static let genesisMismatch = ErrorCode("genesis_mismatch")
    public static let storeOpenFailed = ErrorCode("store_open_failed")
    public static let storeReadFailed = ErrorCode("store_read_failed")
    public static let storeWriteFailed = ErrorCode("store_write_failed")
}

// MARK: Validator node and HTTP API (ProvaNode)
extension ErrorCode {
    /// An upload of a blob no transaction names, without a valid `Authorization: Prova-Upload` signature.
    public static let uploadUnauthorized = ErrorCode("upload_unauthorized")
    /// The uploader holds no credits and is no registered worker.
    public static let uploadForbidden = ErrorCode("upload_forbidden")
    /// The uploader has used its upload quota for now.
    public static let uploadQuotaExceeded = ErrorCode("upload_quota_exceeded")
    /// The node's disk is below its free-space floor.
    public static let insufficientStorage = ErrorCode("insufficient_storage")
    /// The node could not commit its last block (a full or failing disk) and takes no transactions until it can.
    public static let nodeDegraded = ErrorCode("node_degraded")
    /// One sender already has as many transactions waiting as the mempool takes from one sender.
    public static let senderQuotaExceeded = ErrorCode("sender_quota_exceeded")
    /// A file the node ships (the explorer, the OpenAPI document) is missing from the build.
    public static let resourceMissing = ErrorCode("resource_missing")
    public static let alreadyInitialized = ErrorCode("already_initialized")
    public static let badId = ErrorCode("bad_id")
    public static let badJson = ErrorCode("bad_json")
    public static let commitFailed = ErrorCode("commit_failed")
    /// A proof certificate fails its offline check (a signature, a Merkle path, the votes, or a changed byte).
    public static let badCertificate = ErrorCode("bad_certificate")
    /// The task has no certificate: it is not verified (yet), or it is a workflow step or capacity test.
    public static let notCertifiable = ErrorCode("not_certifiable")
    /// No member of the validator cluster's etcd answers (a quorum is lost or the endpoints are wrong).
    public static let etcdUnavailable = ErrorCode("etcd_unavailable")
    /// etcd answered, but not as the cluster protocol expects (a bad request, a compacted revision, a malformed answer).
    public static let etcdFailed = ErrorCode("etcd_failed")
    /// This validator's chain disagrees with the cluster's (docs/CONSENSUS.md): it stopped applying blocks.
    public static let diverged = ErrorCode("diverged")
    public static let dataDirectoryInUse = ErrorCode("data_directory_in_use")
    public static let genesisMissing = ErrorCode("genesis_missing")
    public static let genesisUnreadable = ErrorCode("genesis_unreadable")
    public static let `internal` = ErrorCode("internal")
    public static let keyMissing = ErrorCode("key_missing")
    public static let keyUnreadable = ErrorCode("key_unreadable")
    public static let keyWriteFailed = ErrorCode("key_write_failed")
    public static let lockFailed = ErrorCode("lock_failed")
    public static let mempoolFull = ErrorCode("mempool_full")
    public static let methodNotAllowed = ErrorCode("method_not_allowed")
    public static let noFaucet = ErrorCode("no_faucet")
    public static let notFound = ErrorCode("not_found")
    public static let unsupportedMediaType = ErrorCode("unsupported_media_type")
}

// MARK: Sandbox and images (ProvaSandbox)
extension ErrorCode {
    /// A program the sandbox needs (runc, umoci, skopeo, tar) is not installed.
    public static let toolNotFound = ErrorCode("tool_not_found")
    public static let cancelled = ErrorCode("cancelled")
    /// A device node a CDI spec names is not a device on this host: the spec is stale.
    public static let cdiDeviceMissing = ErrorCode("cdi_device_missing")
    public static let duplicateEnvironment = ErrorCode("duplicate_environment")
    public static let imageImportFailed = ErrorCode("image_import_failed")
    /// An image unpacks to more than the image cache's disk budget.
    public static let imageTooLarge = ErrorCode("image_too_large")
    public static let invalidArchive = ErrorCode("invalid_archive")
    /// A CDI spec (/etc/cdi, /var/run/cdi) is not valid YAML or JSON, lacks a field, or names what Prova cannot apply.
    public static let invalidCDISpec = ErrorCode("invalid_cdi_spec")
    public static let invalidDigest = ErrorCode("invalid_digest")
    public static let invalidSpec = ErrorCode("invalid_spec")
    public static let ioFailed = ErrorCode("io_failed")
    public static let mountFailed = ErrorCode("mount_failed")
    public static let outputDirectoryNotEmpty = ErrorCode("output_directory_not_empty")
    public static let processLaunchFailed = ErrorCode("process_launch_failed")
    public static let runcFailed = ErrorCode("runc_failed")
    /// The program's unprivileged uid cannot reach a directory its container mounts (a parent of mode 0700).
    public static let sandboxPathUnreachable = ErrorCode("sandbox_path_unreachable")
    public static let seccompProfileInvalid = ErrorCode("seccomp_profile_invalid")
    public static let seccompProfileMissing = ErrorCode("seccomp_profile_missing")
    public static let unsafeArchive = ErrorCode("unsafe_archive")
    /// A CDI spec's `cdiVersion` is older than 0.6.0 or newer than the versions Prova knows.
    public static let unsupportedCDIVersion = ErrorCode("unsupported_cdi_version")
}

// MARK: SDK and command line (ProvaClient, prova)
extension ErrorCode {
    public static let badAnswer = ErrorCode("bad_answer")
    public static let badInput = ErrorCode("bad_input")
    public static let badKeyFile = ErrorCode("bad_key_file")
    public static let badKeyName = ErrorCode("bad_key_name")
    public static let badNodeUrl = ErrorCode("bad_node_url")
    public static let badOption = ErrorCode("bad_option")
    public static let badRequest = ErrorCode("bad_request")
    public static let badWorkflow = ErrorCode("bad_workflow")
    public static let connectionLost = ErrorCode("connection_lost")
    public static let fileUnreadable = ErrorCode("file_unreadable")
    public static let fileUnwritable = ErrorCode("file_unwritable")
    public static let keyExists = ErrorCode("key_exists")
    public static let keyStoreUnreadable = ErrorCode("key_store_unreadable")
    public static let keyStoreUnwritable = ErrorCode("key_store_unwritable")
    public static let noPort = ErrorCode("no_port")
    public static let nodeUnreachable = ErrorCode("node_unreachable")
    public static let notDelivered = ErrorCode("not_delivered")
    public static let notVerified = ErrorCode("not_verified")
    public static let rejected = ErrorCode("rejected")
    public static let streamLost = ErrorCode("stream_lost")
    public static let taskEnded = ErrorCode("task_ended")
    public static let timeout = ErrorCode("timeout")
    public static let transportError = ErrorCode("transport_error")
    public static let unknownImage = ErrorCode("unknown_image")
    public static let unknownKey = ErrorCode("unknown_key")
    public static let unsafeOutputPath = ErrorCode("unsafe_output_path")
}

// MARK: Prover node (ProvaWorker)
extension ErrorCode {
    public static let badCapacity = ErrorCode("bad_capacity")
    public static let badConfiguration = ErrorCode("bad_configuration")
    public static let badGpus = ErrorCode("bad_gpus")
    public static let badImageEntry = ErrorCode("bad_image_entry")
    public static let badLabels = ErrorCode("bad_labels")
    public static let badPath = ErrorCode("bad_path")
    public static let badUrl = ErrorCode("bad_url")
    public static let blobMissing = ErrorCode("blob_missing")
    public static let busyboxFailed = ErrorCode("busybox_failed")
    public static let busyboxMissing = ErrorCode("busybox_missing")
    public static let busyboxUnreadable = ErrorCode("busybox_unreadable")
    public static let commitTimeout = ErrorCode("commit_timeout")
    public static let dataDirectoryUnwritable = ErrorCode("data_directory_unwritable")
    public static let downloadFailed = ErrorCode("download_failed")
    public static let gpusMissing = ErrorCode("gpus_missing")
    public static let imageJsonFailed = ErrorCode("image_json_failed")
    public static let imageUnavailable = ErrorCode("image_unavailable")
    public static let imageWriteFailed = ErrorCode("image_write_failed")
    public static let journalUnwritable = ErrorCode("journal_unwritable")
    public static let noNode = ErrorCode("no_node")
    public static let notRoot = ErrorCode("not_root")
    public static let registrationFailed = ErrorCode("registration_failed")
    public static let runcMissing = ErrorCode("runc_missing")
    public static let signingFailed = ErrorCode("signing_failed")
    public static let sizeMismatch = ErrorCode("size_mismatch")
    public static let workspaceFailed = ErrorCode("workspace_failed")
}

// MARK: Simulator (ProvaSim)
extension ErrorCode {
    public static let badConfig = ErrorCode("bad_config")
    public static let badFleet = ErrorCode("bad_fleet")
    public static let badWorkload = ErrorCode("bad_workload")
    public static let blockFailed = ErrorCode("block_failed")
    public static let notConserved = ErrorCode("not_conserved")
    public static let overCapacity = ErrorCode("over_capacity")
    public static let reservationMismatch = ErrorCode("reservation_mismatch")
}

// MARK: Benchmarks (prova-bench)
extension ErrorCode {
    public static let benchFailed = ErrorCode("bench_failed")
    public static let benchPrerequisites = ErrorCode("bench_prerequisites")
}
