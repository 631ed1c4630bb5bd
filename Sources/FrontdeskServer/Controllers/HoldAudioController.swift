import FrontdeskAudio
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/media/hold.wav`: what a caller on hold hears during a warm transfer (carriers fetch it by
/// URL, so it needs no token). Made once, at start.
struct HoldAudioController {
    static let wav = ByteBuffer(bytes: HoldMusic.wav())

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("hold.wav") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "audio/wav", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: Self.wav))
        }
    }
}
