extension LambdaSpanProcessor {
    /// The spans in the ring buffer.
    public var pendingSpanCount: Int? { queuedSpanCount }
}
