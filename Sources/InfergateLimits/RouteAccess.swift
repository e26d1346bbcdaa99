/// The access rules of one route (one Wallaroo pipeline): its total limits and who may call it.
///
/// `limits` is shared by every caller of the route (protecting the pipeline); `perCaller` gives each
/// caller its own bucket on this route, on top of the caller's global limits.
public struct RouteAccess: Sendable {
    /// The route name the gateway passes to `admit`.
    public var name: String
    /// Limits on the route as a whole.
    public var limits: LimitSpec?
    /// Limits for each caller on this route.
    public var perCaller: LimitSpec?
    /// Caller names allowed on the route; nil allows everyone the caller rules let in.
    public var allowedCallers: [String]?

    /// Creates route rules; everything defaults to unrestricted.
    public init(
        name: String,
        limits: LimitSpec? = nil,
        perCaller: LimitSpec? = nil,
        allowedCallers: [String]? = nil
    ) {
        self.name = name
        self.limits = limits
        self.perCaller = perCaller
        self.allowedCallers = allowedCallers
    }
}
