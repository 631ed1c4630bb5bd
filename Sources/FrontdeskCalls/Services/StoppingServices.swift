import ServiceLifecycle

// Background work that must finish before the process exits, as ServiceLifecycle services. Each
// waits for the group's graceful shutdown and then does its part; the application runs them in the
// order a stop needs (`FrontdeskApplication`): live calls first, the accepted webhooks after the
// HTTP server has stopped taking new ones. A cancelled group (a second signal, the time limit)
// skips what is left — what was acknowledged is replayed at the next start.

/// Live calls: on a stop, no new call starts and every live one is told, hung up and closed.
package struct LiveCallsService: Service {
    let calls: CallRuntime
    let grace: Duration

    package init(calls: CallRuntime, grace: Duration) {
        self.calls = calls
        self.grace = grace
    }

    package func run() async throws {
        do { try await gracefulShutdown() } catch { return }
        await calls.closeAll(grace: grace)
    }
}

/// The provider inbox: while running, it acts on keys other instances hand over and sweeps for events
/// and calls an instance that stopped left behind; on a stop, every webhook already acknowledged is
/// acted on and marked.
package struct ProviderInboxService: Service {
    let inbox: ProviderInbox
    let sweepInterval: Duration

    package init(inbox: ProviderInbox, sweepInterval: Duration = .seconds(2)) {
        self.inbox = inbox
        self.sweepInterval = sweepInterval
    }

    package func run() async throws {
        let stopped = await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask { await inbox.followHandovers() }
            group.addTask { await inbox.sweep(every: sweepInterval) }
            defer { group.cancelAll() }
            do { try await gracefulShutdown() } catch { return false }
            return true
        }
        guard stopped else { return }
        await inbox.drain()
    }
}
