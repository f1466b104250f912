import AsyncHTTPClient
import ChatterAPI
import ChatterCore
import ChatterIntel
import ChatterLLM
import ChatterStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

extension Logger.MetadataProvider {
    /// Adds the request's correlation id (its `X-Request-ID`) to every log line written while serving it.
    public static let chatterCorrelation = Logger.MetadataProvider {
        RequestScope.requestID.isEmpty ? [:] : ["request_id": .string(RequestScope.requestID)]
    }
}

/// Everything a running Chatter holds: the database, the stores, the providers and the services.
public struct ChatterRuntime: Sendable {
    public let configuration: Configuration
    public let database: ChatterDatabase
    public let access: AccessStore
    public let conversations: ConversationStore
    public let ledger: LedgerStore
    public let usage: UsageStore
    public let reconciler: Reconciler
    public let prices: PriceCatalog
    public let providers: ProviderRegistry
    public let chat: ChatService
    public let events: EventStore
    public let analytics: AnalyticsStore
    public let monitoring: MonitoringStore
    public let intel: IntelStore
    let intelObserver = IntelObserver()
    let intelAgents: [any IntelAgent]
    let hub: EventHub
    let metrics: ChatterMetrics
    let identities = IdentityCache()
    let work = InFlightWork()
    let caller: UpstreamCaller
    public let httpClients: UpstreamClients
    public let logger: Logger

    /// Opens and migrates the database and wires the parts. `providers` replaces the configured ones (tests).
    public static func open(configuration: Configuration, logger: Logger) async throws -> ChatterRuntime {
        let fileEntries = try configuration.pricesFile.map(PriceInput.loadFile(at:)) ?? []
        let database = try await ChatterDatabase.open(
            url: configuration.databaseURL, logger: logger, maxPostgresConnections: configuration.maxDatabaseConnections,
            sqliteSynchronous: configuration.sqliteSynchronous
        )
        do {
            try await database.migrate()
        } catch {
            await database.shutdown()
            throw error
        }
        var clientConfiguration = HTTPClient.Configuration(
            timeout: .init(
                connect: .seconds(configuration.upstreamConnectTimeout.components.seconds),
                read: .seconds(configuration.upstreamIdleTimeout.components.seconds)
            )
        )
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        // The client's own HTTP spans only when traces are exported: with the no-op tracer it would still build each
        // request's attributes. (The call span's context is injected into upstream requests either way.)
        if configuration.otelEndpoint == nil { clientConfiguration.tracing.tracer = nil }
        let httpClients = UpstreamClients(configuration: clientConfiguration)
        var providers: [any ChatProvider] = [DemoProvider(tokenDelay: configuration.demoTokenDelay)]
        let timeout = configuration.upstreamRequestTimeout
        for setting in configuration.providers {
            switch setting.kind {
            case .openai:
                providers.append(
                    OpenAICompatibleProvider(
                        configuration: .init(name: setting.name, baseURL: setting.baseURL, apiKey: setting.apiKey, requestTimeout: timeout),
                        clients: httpClients
                    )
                )
            case .anthropic:
                providers.append(
                    AnthropicProvider(name: setting.name, baseURL: setting.baseURL, apiKey: setting.apiKey, clients: httpClients, requestTimeout: timeout)
                )
            case .gemini:
                providers.append(
                    GeminiProvider(name: setting.name, baseURL: setting.baseURL, apiKey: setting.apiKey, clients: httpClients, requestTimeout: timeout)
                )
            case .ollama:
                providers.append(OllamaProvider(name: setting.name, baseURL: setting.baseURL, clients: httpClients, requestTimeout: timeout))
            }
        }
        let registry = ProviderRegistry(providers: providers)
        let events = EventStore(database: database)
        let hub = EventHub(
            store: events, signal: database.eventSignal, startingAfter: try await events.latestSeq(), pollInterval: configuration.eventPollInterval,
            keepalive: configuration.eventKeepalive, retention: .seconds(Int64(configuration.eventRetentionDays) * 86_400), logger: logger
        )
        let conversations = ConversationStore(database: database)
        let metrics = ChatterMetrics()
        let ledger = LedgerStore(database: database, onFinished: { metrics.callFinished($0, $1) })
        database.eventSignal.observeCommits { metrics.eventsWritten($0) }
        let prices = PriceCatalog(fileEntries: fileEntries, store: PriceStore(database: database))
        let caller = UpstreamCaller(
            ledger: ledger, prices: prices, retry: RetryPolicy(maxAttempts: configuration.upstreamMaxAttempts),
            supervisor: StreamSupervisor(limits: configuration.streamLimits),
            nodeID: configuration.nodeID, logger: logger
        )
        let intelModel = configuration.intelModel.map {
            LedgerIntelModel(reference: $0, providers: registry, caller: caller, nodeID: configuration.nodeID)
        }
        return ChatterRuntime(
            configuration: configuration,
            database: database,
            access: AccessStore(database: database),
            conversations: conversations,
            ledger: ledger,
            usage: UsageStore(database: database),
            reconciler: Reconciler(database: database),
            prices: prices,
            providers: registry,
            chat: ChatService(
                conversations: conversations, caller: caller, providers: registry,
                defaultModel: configuration.defaultModel, aliases: configuration.aliases, historyTokenBudget: configuration.historyTokenBudget,
                nodeID: configuration.nodeID, logger: logger
            ),
            events: events,
            analytics: AnalyticsStore(database: database),
            monitoring: MonitoringStore(database: database),
            intel: IntelStore(database: database),
            intelAgents: IntelAgents.make(engine: configuration.intelEngine, model: intelModel, detector: configuration.piiDetector),
            hub: hub,
            metrics: metrics,
            caller: caller,
            httpClients: httpClients,
            logger: logger
        )
    }

    /// Start-up duties before serving: the first admin on an empty database, and calls a crash left in flight.
    public func prepareToServe() async throws -> IssuedAPIKey? {
        let issued = try await access.bootstrapIfEmpty(adminKey: configuration.adminKey)
        let recovered = try await ledger.recoverInterrupted(nodeID: configuration.nodeID, pricer: prices.pricer)
        if recovered > 0 {
            logger.notice("finalised calls left in flight by an earlier stop as interrupted", metadata: ["calls": "\(recovered)"])
        }
        return issued
    }

    /// The intelligence pipeline: a consumer group per agent on the event log.
    var intelPipeline: IntelPipeline {
        var settings = IntelSettings()
        if configuration.intelEngine != .offline { settings.parallelConversations = 8 }
        // This node's commits wake the consumers, and on PostgreSQL so do the other nodes' (LISTEN/NOTIFY): the
        // poll is only a safety net.
        settings.pollInterval = database.kind == .sqlite ? max(.seconds(5), configuration.eventPollInterval) : configuration.eventPollInterval
        let consumers = intelAgents.map { agent in
            IntelConsumer(
                agent: agent, store: intel, events: events, redactor: configuration.piiDetector, settings: settings, observer: intelObserver,
                logger: logger
            )
        }
        return IntelPipeline(consumers: consumers, signal: database.eventSignal)
    }

    public func shutdown() async {
        try? await httpClients.shutdown()
        await database.shutdown()
    }
}

/// Closes the database and the HTTP client when the application stops.
///
/// Every service here names itself: ServiceLifecycle describes each service with `"\(service)"`, and without a
/// `description` that is a reflection dump of everything the service holds (for this one, the whole runtime),
/// about half a second of CPU at every start.
struct RuntimeService: Service, CustomStringConvertible {
    var description: String { "RuntimeService" }
    let runtime: ChatterRuntime

    func run() async throws {
        try? await gracefulShutdown()
        // Let running turns and drains finish their ledger writes before the database closes.
        await runtime.work.drain(limit: runtime.configuration.streamLimits.drainTimeout)
        await runtime.shutdown()
    }
}

/// The HTTP application: routes, middleware and the runtime's lifecycle.
/// `onServerRunning` learns the bound address (tests and benchmarks listen on port 0).
public func buildApplication(
    runtime: ChatterRuntime,
    services: [any Service] = [],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = buildRouter(runtime: runtime)
    var app = Application(
        router: router,
        server: GuardedHTTPChannel.builder(
            webSocketRouter: buildWebSocketRouter(runtime: runtime), headTimeout: runtime.configuration.requestHeadTimeout
        ),
        configuration: .init(address: .hostname(runtime.configuration.host, port: runtime.configuration.port), serverName: "chatter"),
        onServerRunning: onServerRunning,
        logger: runtime.logger
    )
    // Services stop in reverse order: the server, the intelligence pipeline, the hub (ending live streams), the
    // runtime (the database), then the given ones (the trace exporter, which flushes the last spans).
    app.addServices(services)
    app.addServices(RuntimeService(runtime: runtime), EventHubService(hub: runtime.hub))
    if runtime.configuration.intelPipeline { app.addServices(runtime.intelPipeline) }
    return app
}

public func buildRouter(runtime: ChatterRuntime) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: PathMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: runtime.metrics))
    // Only when traces are exported: otherwise the span would be a no-op, but wrapping every body would not be.
    if runtime.configuration.otelEndpoint != nil { router.add(middleware: RequestSpanMiddleware()) }
    let routes = RouteMethods()
    router.add(middleware: ProblemMiddleware(logger: runtime.logger, routes: routes))
    router.add(middleware: AuthenticationMiddleware(access: runtime.access, cache: runtime.identities, metricsToken: runtime.configuration.metricsToken))
    router.get("/metrics") { _, _ -> Response in
        let text = runtime.metrics.render(
            hub: runtime.hub, latestSeq: try await runtime.events.latestSeq(), consumerOffsets: try await runtime.intel.offsets(),
            intel: runtime.intelObserver.snapshot
        )
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }
    // The WebSocket is served before routing, on an upgrade; asked as plain HTTP, the path says what it needs.
    router.get("/api/v1/ws") { _, _ -> Response in
        throw ChatterError(.upgradeRequired, "this is the event log's WebSocket: send the WebSocket handshake (Upgrade: websocket)")
    }
    router.add(middleware: RequestInputMiddleware(maxBytes: runtime.configuration.maxBodyBytes))
    router.add(middleware: AcceptMiddleware())
    GatewayController(runtime: runtime).addRoutes(to: router)
    let handler = APIHandler(runtime: runtime)
    // Registration only fails for a malformed server URL, which "/" is not.
    // Compact JSON: the generator's default (sorted, pretty-printed) costs a measurable share of a turn's CPU.
    let configuration = OpenAPIRuntime.Configuration(dateTranscoder: APIDateTranscoder(), jsonEncodingOptions: [])
    try! handler.registerHandlers(on: router, serverURL: URL(string: "/")!, configuration: configuration)
    routes.record(router.routes.map { ($0.path, $0.method) })
    return router
}

/// The API's dates as the runtime's default writes them (RFC 3339, UTC, whole seconds), written without Foundation's
/// formatter, which cost more than a percent of a chat turn's CPU; reading is the runtime's own.
struct APIDateTranscoder: DateTranscoder {
    private let reader = ISO8601DateTranscoder.iso8601

    func encode(_ date: Date) throws -> String {
        // Years 0001–9999 are the fast path; anything else (never a stored time) is left to the runtime's formatter.
        let since1970 = date.timeIntervalSince1970
        guard since1970 > -62_135_596_800, since1970 < 253_402_300_800 else { return try reader.encode(date) }
        // The runtime's formatter rounds to the nearest millisecond, then drops the milliseconds: the same arithmetic.
        let milliseconds = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        // `…:SS.000Z` without the milliseconds.
        return String(Timestamp.iso8601(milliseconds: seconds * 1000).dropLast(5)) + "Z"
    }

    func decode(_ text: String) throws -> Date {
        try reader.decode(text)
    }
}
