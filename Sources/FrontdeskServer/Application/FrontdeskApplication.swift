import FrontdeskCalls
import FrontdeskMedia
import FrontdeskProviders
import FrontdeskStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The Hummingbird application with Frontdesk's background work around it, run in the order a stop
/// needs. ServiceLifecycle stops a group's services from the last to the first, each after the one
/// before has finished, so on SIGTERM:
/// 1. live calls: no new call starts (its webhook is kept for the next start), each live call is told
///    it must end, hung up and closed with its transcript (`FRONTDESK_SHUTDOWN_GRACE_SECONDS` each);
/// 2. the HTTP server stops accepting and finishes the requests under way (webhooks it acknowledges
///    are stored first, as always);
/// 3. the provider inbox acts on every acknowledged webhook and marks it processed;
/// 4. the recordings of the closed calls are encoded;
/// 5. the scheduler stops planning and running jobs (a job cut off runs again after its lease; what it
///    sends carries its key, so nothing goes twice), notifications stop being made (the events not
///    looked at yet are, after the next start), then outbound webhook deliveries stop (the queue is stored; one cut off is sent again after the start);
/// 6. the database connections close (PostgreSQL);
/// then the process exits. What a cancelled stop (a second signal, the time limit) leaves is replayed
/// or encoded at the next start, as after a crash.
public struct FrontdeskApplication<Inner: ApplicationProtocol>: ApplicationProtocol {
    let inner: Inner
    package let store: Store
    let calls: CallRuntime
    let inbox: ProviderInbox
    let recordings: RecordingEncoder?
    /// Deletes recordings past `RECORDING_RETENTION_DAYS` (nil: kept).
    let retention: RecordingRetention?
    let webhooks: WebhookDeliverer
    let notifier: TeamNotifier
    package let scheduler: Scheduler
    let grace: Duration
    /// Run first and stopped last, after everything else: the tracing exporter (its last spans flushed).
    public var observability: [any Service] = []

    public var responder: Inner.Responder { get async throws { try await inner.responder } }
    public var server: HTTPServerBuilder { inner.server }
    public var eventLoopGroup: any EventLoopGroup { inner.eventLoopGroup }
    public var configuration: ApplicationConfiguration { inner.configuration }
    public var logger: Logger { inner.logger }
    public func onServerRunning(_ channel: any Channel) async { await inner.onServerRunning(channel) }
    public var services: [any Service] { inner.services }
    public var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { inner.processesRunBeforeServerStart }

    public func run() async throws {
        var order: [any Service] = observability + [SchedulerLagService(), StoreService(store: store), WebhookService(deliverer: webhooks), NotifierService(notifier: notifier), JobSchedulerService(scheduler: scheduler)]
        if let recordings { order.append(RecordingService(encoder: recordings)) }
        if let retention { order.append(RecordingRetentionService(retention: retention)) }
        order += [ProviderInboxService(inbox: inbox), inner, LiveCallsService(calls: calls, grace: grace)]
        var group = ServiceGroupConfiguration(services: order, logger: logger)
        // A stop that hangs (a provider that never answers) still ends: the rest is replayed at the next start.
        group.maximumGracefulShutdownDuration = grace + .seconds(60)
        try await ServiceGroup(configuration: group).run()
    }
}

/// Closes the store's connections once everything that writes has stopped.
struct StoreService: Service {
    package let store: Store

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}

/// Sends webhook deliveries until everything that publishes events has stopped (what is left is
/// sent after the next start: the queue is in the database).
struct WebhookService: Service {
    let deliverer: WebhookDeliverer

    func run() async throws {
        await cancelWhenGracefulShutdown { await deliverer.run() }
    }
}

/// Makes the team's notifications from the events until everything that publishes them has stopped.
struct JobSchedulerService: Service {
    let scheduler: Scheduler

    func run() async throws {
        await cancelWhenGracefulShutdown { await scheduler.run() }
    }
}

/// Makes the team's notifications from the events until everything that publishes them has stopped.
struct NotifierService: Service {
    let notifier: TeamNotifier

    func run() async throws {
        await cancelWhenGracefulShutdown { await notifier.run() }
    }
}
