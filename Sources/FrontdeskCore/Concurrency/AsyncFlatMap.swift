extension Optional {
    /// `flatMap` with an async transform (a stored record's related record, loaded only when there is one).
    public func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
