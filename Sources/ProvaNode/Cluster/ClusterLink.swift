public import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOHTTP1
import NIOCore
public import ProvaCore
import ProvaStore

/// What a validator of a cluster shares through etcd (docs/CONSENSUS.md), under `prova/<genesis hash>/`:
///
/// - `blocks/<height>`: the block of each height, written once (compare create-revision = 0), kept for the last
///   `retainedBlocks` heights;
/// - `tip`: the height of the last block, so that a block is only ever written on top of the one before it;
/// - `mempool/<hash>`: transactions sent to any validator, under a lease that expires them;
/// - `live/<public key>`: one key per running validator, under a lease it keeps alive.
public struct ClusterLink: Sendable {
    public let etcd: EtcdClient
    let root: String
    let retainedBlocks: UInt64
    /// The other validators' API URLs, for blocks etcd no longer keeps and for blobs uploaded elsewhere.
    let peers: [String]
    let httpClient: HTTPClient
    /// How long a live key outlives its validator, and how long a shared transaction stays in etcd.
    static let liveTTLSeconds = 3
    static let mempoolTTLSeconds = 60

    public init(etcd: EtcdClient, genesis: Genesis, me: String, retainedBlocks: Int, httpClient: HTTPClient = .etcdDefault) {
        self.etcd = etcd
        root = "prova/\(genesis.hash.prefix(16))/"
        self.retainedBlocks = UInt64(max(retainedBlocks, 16))
        peers = genesis.validators.filter { $0.publicKey != me }.map(\.url)
        self.httpClient = httpClient
    }

    var prefix: [UInt8] { Array(root.utf8) }
    var blocksPrefix: [UInt8] { Array((root + "blocks/").utf8) }
    var mempoolPrefix: [UInt8] { Array((root + "mempool/").utf8) }
    var livePrefix: [UInt8] { Array((root + "live/").utf8) }
    var tipKey: [UInt8] { Array((root + "tip").utf8) }

    /// Heights are zero-padded so that key order is height order.
    func blockKey(_ height: UInt64) -> [UInt8] {
        let digits = String(height)
        return blocksPrefix + Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits).utf8)
    }

    func liveKey(_ publicKey: String) -> [UInt8] { livePrefix + Array(publicKey.utf8) }
    func mempoolKey(_ hash: TransactionHash) -> [UInt8] { mempoolPrefix + Array(hash.utf8) }

    // MARK: Blocks

    /// Writes `block` as the block of its height, if no block of that height exists and the last one is its parent.
    /// False: another validator's block took the height first.
    public func publish(_ block: Block) async throws -> Bool {
        let height = block.header.height
        let parent: EtcdCompare = height == 1 ? .absent(tipKey) : .equals(tipKey, value: Array(String(height - 1).utf8))
        var operations: [EtcdOperation] = [.put(blockKey(height), try Self.encode(block)), .put(tipKey, Array(String(height).utf8))]
        if height > retainedBlocks { operations.append(.delete(blockKey(height - retainedBlocks))) }
        return try await etcd.transaction(comparing: [.absent(blockKey(height)), parent], success: operations)
    }

    /// Up to `limit` blocks from `height` on, in order, as etcd holds them, and the tip's height.
    func blocks(from height: UInt64, limit: Int) async throws -> (blocks: [Block], tip: UInt64) {
        let range = try await etcd.range(blockKey(height), end: EtcdClient.prefixEnd(blocksPrefix), limit: limit)
        let blocks = try range.values.map { try Self.decode(Block.self, $0.value) }
        if let last = blocks.last, !range.more { return (blocks, last.header.height) }
        let tip = try await etcd.range(tipKey).values.first.flatMap { UInt64(String(decoding: $0.value, as: UTF8.self)) } ?? 0
        return (blocks, tip)
    }

    /// The block of `height` from the first peer that has it (etcd no longer keeps it). Nil when none answers.
    func blockFromPeers(_ height: UInt64) async -> Block? {
        for peer in peers {
            var request = HTTPClientRequest(url: "\(peer)/v1/blocks/\(height)")
            request.headers.add(name: "Accept", value: "application/json")
            guard let response = try? await httpClient.execute(request, deadline: .now() + .seconds(10)), response.status == .ok,
                  var buffer = try? await response.body.collect(upTo: 64 << 20),
                  let detail = try? Self.decode(BlockDetail.self, buffer.readBytes(length: buffer.readableBytes) ?? []) else { continue }
            return detail.block
        }
        return nil
    }

    // MARK: Blobs

    /// Copies a blob another validator holds into `blobs` (a worker or requester uploaded it there). Only blobs
    /// committed transactions name are fetched, so that the read-through cannot be used to pull arbitrary bytes.
    func fetchBlob(_ digest: String, into blobs: BlobStore) async -> Bool {
        for peer in peers {
            var request = HTTPClientRequest(url: "\(peer)/v1/blobs/\(digest)")
            request.headers.add(name: Self.peerFetchHeader, value: "1")
            guard let response = try? await httpClient.execute(request, deadline: .now() + .seconds(3600)), response.status == .ok,
                  let upload = try? blobs.beginUpload(digest: digest) else { continue }
            do {
                for try await chunk in response.body { try upload.write(Array(chunk.readableBytesView)) }
                _ = try upload.finish()
                return true
            } catch {
                upload.abort()
            }
        }
        return false
    }

    /// Marks a blob request from a peer: it is answered from the local store only, so peers never ask each other in circles.
    static let peerFetchHeader = "X-Prova-Peer-Fetch"

    // MARK: Encoding

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) } catch {
            throw NodeError(.internalServerError, .internal, "a value could not be encoded for etcd", cause: "\(error)")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
        do { return try JSONDecoder().decode(Value.self, from: Data(bytes)) } catch {
            throw NodeError(.internalServerError, .etcdFailed, "etcd holds a \(Value.self) that does not decode; another program writes under this chain's prefix",
                            cause: "\(error)")
        }
    }
}
