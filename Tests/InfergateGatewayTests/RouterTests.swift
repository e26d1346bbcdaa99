import Testing

@testable import InfergateGateway

@Suite struct RouterTests {
    let router = Router(routes: [
        RouteSettings(
            name: "aloha", path: "/v1/api/pipelines/infer/aloha-1",
            upstream: "https://w.example/v1/api/pipelines/infer/aloha-1"),
        RouteSettings(name: "other", path: "/other/", upstream: "http://127.0.0.1:9/base/"),
    ])

    @Test func matchesOnSegmentBoundaryAndKeepsRawQuery() {
        let query = "dataset%5B%5D=%2A&dataset.exclude%5B%5D=metadata&dataset.separator=."
        #expect(
            router.route(path: "/v1/api/pipelines/infer/aloha-1/aloha", query: query)
                == .matched(
                    routeIndex: 0, upstreamURL: "https://w.example/v1/api/pipelines/infer/aloha-1/aloha?" + query)
        )
        #expect(
            router.route(path: "/v1/api/pipelines/infer/aloha-1", query: nil)
                == .matched(routeIndex: 0, upstreamURL: "https://w.example/v1/api/pipelines/infer/aloha-1")
        )
        #expect(router.route(path: "/v1/api/pipelines/infer/aloha-12", query: nil) == .notFound)
        #expect(
            router.route(path: "/other", query: nil) == .matched(routeIndex: 1, upstreamURL: "http://127.0.0.1:9/base"))
        #expect(router.route(path: "/nothing", query: nil) == .notFound)
    }

    @Test func refusesTraversalAndForeignTargets() {
        let attempts = [
            "/other/../admin", "/other/%2e%2e/admin", "/other/%2E%2e/x", "/other/a%2fb", "/other/a%5cb",
            "/other/a\\b", "http://evil.example/x", "//evil.example/x/..", "/other/./x", "*",
        ]
        for attempt in attempts {
            guard case .invalidPath = router.route(path: attempt, query: nil) else {
                Issue.record("\(attempt) was not refused")
                continue
            }
        }
    }
}
