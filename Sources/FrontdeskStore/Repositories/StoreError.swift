/// What the store refuses, in its own words. The server turns each into the API's error in one place
/// (`ErrorMapping`); the layers between catch the cases they act on (a taken slot is offered again).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A value that must be unique is already used: `message` for people, `field` and `problem` for
    /// the client's form (nil when no single field is at fault).
    case duplicate(message: String, field: String? = nil, problem: String? = nil)
    /// The time, or the whole day, is already booked.
    case slotTaken(String)

    public var description: String {
        switch self {
        case .duplicate(let message, _, _), .slotTaken(let message): message
        }
    }
}
