import FrontdeskProviders
import Hummingbird
import HummingbirdWebSocket

/// Retell's custom-LLM WebSocket route, `/api/retell/llm/{call_id}`; the conversation over it is the
/// provider's `RetellLLMSocket`.
struct RetellSocketController {
    let socket: RetellLLMSocket

    func addRoutes(to router: Router<SocketRequestContext>) {
        router.ws("api/retell/llm/:call_id") { inbound, outbound, context in
            let callId = context.requestContext.parameters.get("call_id") ?? ""
            try await socket.run(callId: callId, inbound: inbound, outbound: outbound)
        }
    }
}
