import ChatterCore
import ChatterLLM
import ChatterStore
import Foundation
import HTTPTypes
import Hummingbird
import Instrumentation
import Logging
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// OpenTelemetry traces. With `CHATTER_OTEL_ENDPOINT` set, `chatter serve` installs swift-otel's tracer, which
/// batches finished spans and posts them over OTLP/HTTP; without it the request middleware is not installed and
/// the process-wide tracer is a no-op, so the workflow and call spans cost next to nothing. Three spans per
/// request, all carrying the request's correlation id (`chatter.request_id`): the HTTP request (server), the
/// workflow execution, and each LLM call attempt (client, with OpenTelemetry's `gen_ai.*` attributes).
public enum ChatterTracing {
    /// Installs the OTLP exporter as the process's tracer and returns the service that exports (and, on
    /// shutdown, flushes) the spans; nil when no endpoint is configured. Call once per process.
    public static func bootstrap(_ configuration: Configuration, logger: Logger) throws -> (any Service)? {
        guard let endpoint = configuration.otelEndpoint else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = configuration.otelServiceName
        otel.diagnosticLogger = .custom(logger)
        otel.diagnosticLogLevel = .warning
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.enabled = true
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.endpoint = tracesURL(endpoint)
        otel.traces.otlpExporter.protocol = configuration.otelProtocol == "http/json" ? .httpJSON : .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: otel)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }

    /// OTLP/HTTP's rule: a base URL gets the signal's path `v1/traces`; a URL already naming it is used as it is.
    static func tracesURL(_ endpoint: String) -> String {
        if endpoint.hasSuffix("/v1/traces") { return endpoint }
        return endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces"
    }

    /// The workflow execution's span, around every attempt of its model call.
    static func workflowSpan(_ start: CallStart) -> any Span {
        let span = startSpan("workflow \(start.executionKind)", ofKind: .internal)
        // Without an exporter the span is a no-op that records nothing: its attributes are not even built.
        guard span.isRecording else { return span }
        span.updateAttributes { attributes in
            attributes["chatter.workflow.kind"] = start.executionKind
            attributes["chatter.purpose"] = start.purpose
            attributes["chatter.tenant_id"] = start.identity.tenantID
            attributes["chatter.conversation_id"] = start.conversationID
            attributes["chatter.request_id"] = start.correlationID
        }
        return span
    }

    /// One attempt's span, named as OpenTelemetry's GenAI conventions ask: `{operation} {request model}`.
    static func callSpan(
        _ call: StartedCall, provider: any ChatProvider, request: ChatRequest, streamed: Bool, parent: ServiceContext
    ) -> any Span {
        let span = startSpan("chat \(call.model)", context: parent, ofKind: .client)
        guard span.isRecording else { return span }
        span.updateAttributes { attributes in
            attributes["gen_ai.operation.name"] = "chat"
            attributes["gen_ai.system"] = provider.genAISystem
            attributes["gen_ai.request.model"] = call.model
            attributes["gen_ai.request.temperature"] = request.temperature
            attributes["gen_ai.request.top_p"] = request.topP
            attributes["gen_ai.request.max_tokens"] = request.maxTokens
            if !request.stop.isEmpty { attributes["gen_ai.request.stop_sequences"] = request.stop }
            attributes["chatter.provider"] = call.provider
            attributes["chatter.llm_call_id"] = call.llmCallID
            attributes["chatter.execution_id"] = call.executionID
            attributes["chatter.attempt"] = call.attempt
            attributes["chatter.purpose"] = call.purpose
            attributes["chatter.streamed"] = streamed
            attributes["chatter.request_id"] = call.correlationID
        }
        return span
    }

    /// What the ledger recorded for the attempt, on its span: the same numbers as the `llm_calls` row.
    static func record(_ outcome: CallOutcome, on span: any Span) {
        guard span.isRecording else { return }
        span.updateAttributes { attributes in
            attributes["chatter.call.status"] = outcome.status.rawValue
            attributes["gen_ai.response.model"] = outcome.responseModel
            attributes["gen_ai.response.id"] = outcome.upstreamRequestID
            if let reason = outcome.finishReason { attributes["gen_ai.response.finish_reasons"] = [reason] }
            let usage = outcome.usage
            if usage.source != .missing {
                attributes["gen_ai.usage.input_tokens"] = usage.inputTokens
                attributes["gen_ai.usage.output_tokens"] = usage.outputTokens
                attributes["chatter.usage.cached_input_tokens"] = usage.cachedInputTokens
                attributes["chatter.usage.cache_write_tokens"] = usage.cacheWriteTokens
                attributes["chatter.usage.reasoning_tokens"] = usage.reasoningTokens
            }
            attributes["chatter.usage.source"] = usage.source.rawValue
            attributes["chatter.generation_us"] = outcome.generationMicroseconds
            if let cost = outcome.pricing.costNanoUSD {
                attributes["chatter.cost_nanousd"] = cost
            } else {
                attributes["chatter.unpriced"] = true
            }
        }
        if let error = outcome.error {
            span.setStatus(SpanStatus(code: .error, message: error))
        }
    }

    /// The execution's outcome on the workflow span.
    static func recordWorkflow(_ result: Result<UpstreamCaller.Result, any Error>, on span: any Span) {
        guard span.isRecording else { return }
        switch result {
        case .success(let result):
            span.updateAttributes { attributes in
                attributes["chatter.execution_id"] = result.call.executionID
                attributes["chatter.workflow.status"] = "completed"
                attributes["chatter.attempts"] = result.call.attempt
                attributes["gen_ai.usage.input_tokens"] = result.completion.usage.inputTokens
                attributes["gen_ai.usage.output_tokens"] = result.completion.usage.outputTokens
                attributes["chatter.cost_nanousd"] = result.pricing.costNanoUSD
            }
        case .failure(let error):
            let chatterError = error as? ChatterError
            span.updateAttributes { attributes in
                attributes["chatter.execution_id"] = chatterError?.extensions["execution_id"]
                attributes["chatter.workflow.status"] = "failed"
                attributes["error.type"] = chatterError?.kind.rawValue ?? String(describing: type(of: error))
            }
            span.setStatus(SpanStatus(code: .error, message: chatterError?.detail ?? String(describing: error)))
        }
    }
}

/// The server span of every HTTP request. It sits outside the problem middleware, so it sees the response the
/// client gets (errors already turned into problem documents) and the correlation id that was returned; it is
/// ended once the body is written, so a streamed reply's span lasts as long as the stream.
struct RequestSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HeaderExtractor())
        let span = startSpan(request.method.rawValue, context: parent, ofKind: .server)
        span.updateAttributes { attributes in
            attributes["http.request.method"] = request.method.rawValue
            attributes["url.path"] = request.uri.path
            attributes["user_agent.original"] = request.headers[.userAgent]
        }
        do {
            var response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            let route = context.endpointPath
            span.operationName = route.map { "\(request.method.rawValue) \($0)" } ?? request.method.rawValue
            span.updateAttributes { attributes in
                attributes["http.route"] = route
                attributes["http.response.status_code"] = Int(response.status.code)
                attributes["chatter.request_id"] = response.headers[.requestID]
            }
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { span.end() }
                try await body.write(writer)
            }
            return response
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }

    /// Reads a caller's `traceparent` (and whatever else the installed propagator understands).
    struct HeaderExtractor: Extractor {
        func extract(key: String, from carrier: HTTPFields) -> String? {
            HTTPField.Name(key).flatMap { carrier[$0] }
        }
    }
}

/// An LLM call attempt's span, ended once by whichever comes first: the finalising of its row or leaving the attempt.
final class AttemptSpan: Sendable {
    let span: any Span
    private let ended = Mutex(false)

    init(_ span: any Span) {
        self.span = span
    }

    func end() {
        let first = ended.withLock { ended in
            defer { ended = true }
            return !ended
        }
        if first { span.end() }
    }
}

extension ProviderFailure {
    /// OpenTelemetry's `error.type`: the HTTP status when the provider answered, else what went wrong.
    var errorType: String {
        switch kind {
        case .http(let status): "\(status)"
        case .timeout: "timeout"
        case .transport: "transport"
        case .malformedResponse: "malformed_response"
        }
    }
}
