import Foundation
import PostgresNIO

/// The PostgreSQL schema: the same tables as SQLite's (`Schema`), in PostgreSQL's types — instants as
/// `timestamptz`, settings as `jsonb`, bodies as `bytea` — with what several instances need: an
/// exclusion constraint against overlapping appointments, and unique constraints for every dedupe.
/// Never edit a shipped migration: add a new one.
enum PostgresSchema {
    struct Migration: Sendable {
        let id: String
        let sql: String
    }

    /// Held while migrating, so that instances starting together migrate one after the other.
    static let migrationLock = 7_412_001

    static let migrations: [Migration] = [
        Migration(
            id: "pg1-initial",
            sql: """
                CREATE EXTENSION IF NOT EXISTS btree_gist;
                CREATE TABLE users (
                  id TEXT PRIMARY KEY,
                  email TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  first_name TEXT,
                  last_name TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE UNIQUE INDEX users_email ON users (lower(email));
                CREATE TABLE businesses (
                  id TEXT PRIMARY KEY,
                  name TEXT NOT NULL,
                  settings JSONB NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE TABLE memberships (
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  role TEXT NOT NULL CHECK (role IN ('admin','user','agent')),
                  created_at TIMESTAMPTZ NOT NULL,
                  PRIMARY KEY (user_id, business_id)
                );
                CREATE INDEX memberships_business ON memberships(business_id);
                CREATE TABLE refresh_tokens (
                  token_hash TEXT PRIMARY KEY,
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  family_id TEXT NOT NULL,
                  expires_at TIMESTAMPTZ NOT NULL,
                  used_at TIMESTAMPTZ,
                  revoked_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
                CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
                CREATE TABLE password_resets (
                  token_hash TEXT PRIMARY KEY,
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  expires_at TIMESTAMPTZ NOT NULL,
                  used_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL
                );
                CREATE TABLE agents (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  phone_number TEXT,
                  voice_settings JSONB NOT NULL,
                  behavior_settings JSONB NOT NULL,
                  working_hours JSONB,
                  status TEXT NOT NULL CHECK (status IN ('active','inactive')),
                  started_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX agents_business ON agents(business_id, created_at);
                CREATE UNIQUE INDEX agents_phone_number ON agents(phone_number) WHERE phone_number IS NOT NULL;
                CREATE TABLE leads (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  phone TEXT,
                  name TEXT,
                  email TEXT,
                  status TEXT NOT NULL,
                  source TEXT NOT NULL,
                  qualification_score BIGINT,
                  score_explanation JSONB,
                  notes TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX leads_business_created ON leads(business_id, created_at DESC, id DESC);
                CREATE INDEX leads_business_status ON leads(business_id, status);
                CREATE UNIQUE INDEX leads_business_phone ON leads(business_id, phone) WHERE phone IS NOT NULL;
                -- Exact lead counts per (business, status, source), kept by a trigger in the same
                -- transaction as the change, so list totals never scan a business's leads.
                CREATE TABLE lead_counts (
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  status TEXT NOT NULL,
                  source TEXT NOT NULL,
                  n BIGINT NOT NULL,
                  PRIMARY KEY (business_id, status, source)
                );
                CREATE FUNCTION lead_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    UPDATE lead_counts SET n = n - 1
                      WHERE business_id = OLD.business_id AND status = OLD.status AND source = OLD.source;
                  END IF;
                  IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO lead_counts (business_id, status, source, n) VALUES (NEW.business_id, NEW.status, NEW.source, 1)
                      ON CONFLICT (business_id, status, source) DO UPDATE SET n = lead_counts.n + 1;
                  END IF;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER lead_counts_change AFTER INSERT OR DELETE OR UPDATE OF business_id, status, source ON leads
                  FOR EACH ROW EXECUTE FUNCTION lead_counts_change();
                CREATE TABLE appointments (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                  scheduled_date TIMESTAMPTZ NOT NULL,
                  duration BIGINT NOT NULL CHECK (duration > 0),
                  -- scheduled_date + duration, kept by the repository (an index cannot compute it).
                  ends_at TIMESTAMPTZ NOT NULL CHECK (ends_at > scheduled_date),
                  status TEXT NOT NULL,
                  type TEXT,
                  notes TEXT,
                  price BIGINT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  -- No two live appointments of a business overlap, whichever instance writes them.
                  CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
                    business_id WITH =, tstzrange(scheduled_date, ends_at) WITH &&
                  ) WHERE (status <> 'cancelled')
                );
                CREATE INDEX appointments_business_date ON appointments(business_id, scheduled_date);
                CREATE INDEX appointments_lead ON appointments(lead_id);
                CREATE TABLE calls (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
                  lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                  phone TEXT,
                  direction TEXT NOT NULL,
                  provider TEXT NOT NULL,
                  provider_call_id TEXT,
                  status TEXT NOT NULL,
                  duration BIGINT,
                  recording_url TEXT,
                  outcome TEXT,
                  summary TEXT,
                  hangup_cause TEXT,
                  started_at TIMESTAMPTZ NOT NULL,
                  ended_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL,
                  llm_prompt_tokens BIGINT NOT NULL DEFAULT 0,
                  llm_completion_tokens BIGINT NOT NULL DEFAULT 0,
                  cost DOUBLE PRECISION NOT NULL DEFAULT 0,
                  recording_path TEXT
                );
                CREATE INDEX calls_business_started ON calls(business_id, started_at DESC);
                CREATE INDEX calls_agent_started ON calls(agent_id, started_at);
                CREATE INDEX calls_in_progress ON calls(started_at) WHERE status = 'in_progress';
                CREATE UNIQUE INDEX calls_provider_id ON calls(provider, provider_call_id) WHERE provider_call_id IS NOT NULL;
                CREATE TABLE transcript_turns (
                  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                  call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                  sequence BIGINT NOT NULL,
                  speaker TEXT NOT NULL,
                  text TEXT NOT NULL,
                  started_at TIMESTAMPTZ NOT NULL,
                  ended_at TIMESTAMPTZ,
                  confidence DOUBLE PRECISION,
                  latency_ms BIGINT,
                  UNIQUE (call_id, sequence)
                );
                CREATE TABLE call_turn_latencies (
                  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                  call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                  turn BIGINT NOT NULL,
                  end_of_turn_ms DOUBLE PRECISION NOT NULL,
                  transcript_ms DOUBLE PRECISION NOT NULL,
                  reply_ms DOUBLE PRECISION NOT NULL,
                  first_audio_ms DOUBLE PRECISION NOT NULL,
                  first_frame_ms DOUBLE PRECISION NOT NULL,
                  total_ms DOUBLE PRECISION NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  first_token_ms DOUBLE PRECISION,
                  speech_to_text_ms DOUBLE PRECISION,
                  text_to_speech_ms DOUBLE PRECISION,
                  UNIQUE (call_id, turn)
                );
                CREATE TABLE messages (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                  channel TEXT NOT NULL CHECK (channel IN ('sms','email')),
                  direction TEXT NOT NULL,
                  "to" TEXT NOT NULL,
                  "from" TEXT,
                  subject TEXT,
                  body TEXT NOT NULL,
                  status TEXT NOT NULL,
                  provider TEXT NOT NULL,
                  provider_message_id TEXT,
                  error TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX messages_business_channel ON messages(business_id, channel, created_at DESC);
                CREATE INDEX messages_provider_id ON messages(provider, provider_message_id);
                -- Every accepted provider event, stored with its body before the 2xx and marked when acted
                -- on: the primary key makes a redelivery a no-op on every instance.
                -- `seq` keeps the order they were accepted in; `ordering_key` (one call, one texting pair) is
                -- what the instance that takes a key over looks its events up by.
                CREATE TABLE processed_events (
                  provider TEXT NOT NULL,
                  event_id TEXT NOT NULL,
                  event_type TEXT,
                  received_at TIMESTAMPTZ NOT NULL,
                  payload BYTEA,
                  processed_at TIMESTAMPTZ,
                  ordering_key TEXT,
                  seq BIGINT GENERATED ALWAYS AS IDENTITY,
                  PRIMARY KEY (provider, event_id)
                );
                CREATE INDEX processed_events_pending ON processed_events(seq) WHERE processed_at IS NULL;
                CREATE INDEX processed_events_pending_key ON processed_events(ordering_key, seq) WHERE processed_at IS NULL;
                CREATE TABLE idempotency_keys (
                  user_id TEXT NOT NULL,
                  key TEXT NOT NULL,
                  method TEXT NOT NULL,
                  path TEXT NOT NULL,
                  request_hash TEXT NOT NULL,
                  status_code BIGINT NOT NULL,
                  response_body BYTEA NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  PRIMARY KEY (user_id, key)
                );
                CREATE TABLE conversations (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                  channel TEXT NOT NULL,
                  state JSONB NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  UNIQUE (business_id, channel, lead_id)
                );
                -- Secrets every instance must share (the token-signing key when none is configured).
                CREATE TABLE frontdesk_secrets (
                  name TEXT PRIMARY KEY,
                  value TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL
                );
                CREATE TABLE sms_opt_outs (
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  phone TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  PRIMARY KEY (business_id, phone)
                );
                """),
        // The carrier event a caller's words came in (see `TranscriptTurn.providerEventId`).
        Migration(id: "pg2-turn-provider-events", sql: "ALTER TABLE transcript_turns ADD COLUMN provider_event_id TEXT;"),
        Migration(id: "pg3-lead-company-value", sql: "ALTER TABLE leads ADD COLUMN company TEXT, ADD COLUMN value BIGINT;"),
        Migration(
            id: "pg4-events-and-webhooks",
            sql: """
                CREATE TABLE events (
                  seq BIGSERIAL PRIMARY KEY,
                  business_id TEXT NOT NULL,
                  type TEXT NOT NULL,
                  data TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  dispatched BOOLEAN NOT NULL DEFAULT false
                );
                CREATE INDEX events_business ON events (business_id, seq);
                CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;
                CREATE INDEX events_created ON events (created_at);
                CREATE TABLE webhook_endpoints (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  url TEXT NOT NULL,
                  events TEXT NOT NULL,
                  description TEXT,
                  secret TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('active','disabled')),
                  disabled_reason TEXT,
                  last_success_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX webhook_endpoints_business ON webhook_endpoints (business_id, created_at);
                CREATE TABLE webhook_deliveries (
                  id TEXT PRIMARY KEY,
                  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                  business_id TEXT NOT NULL,
                  event_seq BIGINT NOT NULL,
                  event_type TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('pending','succeeded','failed')),
                  attempts INTEGER NOT NULL DEFAULT 0,
                  replayed_after INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at TIMESTAMPTZ,
                  leased_until TIMESTAMPTZ,
                  last_status_code INTEGER,
                  last_error TEXT,
                  last_latency_ms DOUBLE PRECISION,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  delivered_at TIMESTAMPTZ,
                  UNIQUE (endpoint_id, event_seq)
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
                CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
                CREATE TABLE webhook_attempts (
                  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                  number INTEGER NOT NULL,
                  attempted_at TIMESTAMPTZ NOT NULL,
                  status_code INTEGER,
                  error TEXT,
                  latency_ms DOUBLE PRECISION NOT NULL,
                  PRIMARY KEY (delivery_id, number)
                );
                """),
        Migration(
            id: "pg5-notifications",
            sql: """
                ALTER TABLE events ADD COLUMN notified BOOLEAN NOT NULL DEFAULT false;
                CREATE INDEX events_unnotified ON events (seq) WHERE NOT notified;
                CREATE TABLE notifications (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  category TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  title TEXT NOT NULL,
                  message TEXT NOT NULL,
                  data TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('unread','read')),
                  event_seq BIGINT,
                  created_at TIMESTAMPTZ NOT NULL,
                  read_at TIMESTAMPTZ,
                  UNIQUE (event_seq, user_id)
                );
                CREATE INDEX notifications_user ON notifications (user_id, created_at);
                CREATE INDEX notifications_unread ON notifications (user_id) WHERE status = 'unread';
                """),
        Migration(
            id: "pg6-contacts-and-threads",
            sql: """
                CREATE TABLE contacts (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  name TEXT,
                  phone TEXT,
                  email TEXT,
                  company TEXT,
                  position TEXT,
                  tags TEXT NOT NULL DEFAULT '[]',
                  status TEXT NOT NULL CHECK (status IN ('active','archived')),
                  notes TEXT,
                  last_contact_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL
                );
                CREATE UNIQUE INDEX contacts_phone ON contacts (business_id, phone) WHERE phone IS NOT NULL;
                CREATE INDEX contacts_email ON contacts (business_id, email) WHERE email IS NOT NULL;
                CREATE INDEX contacts_business ON contacts (business_id, created_at);
                ALTER TABLE leads ADD COLUMN contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL;
                INSERT INTO contacts (id, business_id, name, phone, email, company, tags, status, last_contact_at, created_at, updated_at)
                  SELECT 'contact_' || substr(id, 6), business_id, name, phone, email, company, '[]', 'active', updated_at, created_at, updated_at
                  FROM leads;
                UPDATE leads SET contact_id = 'contact_' || substr(id, 6);
                CREATE INDEX leads_contact ON leads (contact_id);
                ALTER TABLE messages ADD COLUMN sent_by TEXT REFERENCES users(id) ON DELETE SET NULL;
                ALTER TABLE messages ADD COLUMN seq BIGINT GENERATED BY DEFAULT AS IDENTITY;
                CREATE INDEX messages_lead ON messages (lead_id, channel, created_at);
                CREATE INDEX calls_lead ON calls (lead_id);
                CREATE TABLE threads (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                  lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                  channel TEXT NOT NULL CHECK (channel IN ('voice','sms','email','api')),
                  status TEXT NOT NULL CHECK (status IN ('active','closed')),
                  assignee_id TEXT REFERENCES users(id) ON DELETE SET NULL,
                  assigned_at TIMESTAMPTZ,
                  unread_count INTEGER NOT NULL DEFAULT 0,
                  last_content TEXT,
                  last_at TIMESTAMPTZ,
                  last_sender TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  UNIQUE (contact_id, channel)
                );
                CREATE INDEX threads_business ON threads (business_id, last_at);
                CREATE TABLE thread_changes (
                  id TEXT PRIMARY KEY,
                  thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                  kind TEXT NOT NULL,
                  actor_id TEXT,
                  assignee_id TEXT,
                  note TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX thread_changes_thread ON thread_changes (thread_id, created_at);
                CREATE TABLE api_turns (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
                  speaker TEXT NOT NULL CHECK (speaker IN ('lead','agent')),
                  text TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX api_turns_lead ON api_turns (lead_id, created_at);
                CREATE TABLE member_preferences (
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  phone TEXT,
                  email BOOLEAN,
                  sms BOOLEAN NOT NULL DEFAULT false,
                  quiet_start TEXT,
                  quiet_end TEXT,
                  updated_at TIMESTAMPTZ NOT NULL,
                  PRIMARY KEY (business_id, user_id)
                );
                ALTER TABLE notifications ADD COLUMN send_after TIMESTAMPTZ;
                CREATE INDEX notifications_held ON notifications (send_after) WHERE send_after IS NOT NULL;
                """),
        Migration(
            id: "pg7-jobs",
            sql: """
                CREATE TABLE jobs (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  kind TEXT NOT NULL,
                  key TEXT NOT NULL UNIQUE,
                  payload TEXT NOT NULL,
                  due_at TIMESTAMPTZ NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('pending','running','done','skipped','failed')),
                  attempts INTEGER NOT NULL DEFAULT 0,
                  lease_until TIMESTAMPTZ,
                  result TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  finished_at TIMESTAMPTZ
                );
                CREATE INDEX jobs_due ON jobs (due_at) WHERE status = 'pending';
                CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status = 'running';
                CREATE INDEX jobs_business ON jobs (business_id, due_at);
                ALTER TABLE events ADD COLUMN planned BOOLEAN NOT NULL DEFAULT false;
                UPDATE events SET planned = true;
                CREATE INDEX events_unplanned ON events (seq) WHERE NOT planned;
                ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
                CREATE UNIQUE INDEX messages_idempotency ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;
                """),
        Migration(
            id: "pg8-workflows",
            sql: """
                CREATE TABLE workflows (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('active','draft','paused')),
                  trigger_type TEXT NOT NULL,
                  definition TEXT NOT NULL,
                  secret TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX workflows_business ON workflows (business_id, created_at);
                CREATE INDEX workflows_trigger ON workflows (business_id, trigger_type) WHERE status = 'active';
                CREATE TABLE enrollments (
                  id TEXT PRIMARY KEY,
                  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                  status TEXT NOT NULL CHECK (status IN ('active','completed','exited','failed')),
                  step INTEGER NOT NULL,
                  context TEXT NOT NULL,
                  log TEXT NOT NULL,
                  source TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  finished_at TIMESTAMPTZ,
                  UNIQUE (workflow_id, source)
                );
                CREATE INDEX enrollments_lead ON enrollments (workflow_id, lead_id);
                CREATE INDEX enrollments_workflow ON enrollments (workflow_id, created_at);
                """),
        Migration(
            id: "pg9-campaigns-templates",
            sql: """
                CREATE TABLE campaigns (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  audience TEXT NOT NULL,
                  start_at TIMESTAMPTZ NOT NULL,
                  per_minute INTEGER,
                  status TEXT NOT NULL CHECK (status IN ('draft','scheduled','running','completed','cancelled')),
                  matched INTEGER NOT NULL DEFAULT 0,
                  enrolled INTEGER NOT NULL DEFAULT 0,
                  started_at TIMESTAMPTZ,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX campaigns_business ON campaigns (business_id, created_at);
                CREATE TABLE message_templates (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  channel TEXT NOT NULL CHECK (channel IN ('sms','email')),
                  subject TEXT,
                  body TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX message_templates_business ON message_templates (business_id, created_at);
                """),
        Migration(
            id: "pg10-pipelines",
            sql: """
                CREATE TABLE pipelines (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  stages TEXT NOT NULL,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX pipelines_business ON pipelines (business_id, created_at);
                CREATE TABLE opportunities (
                  id TEXT PRIMARY KEY,
                  business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                  pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
                  stage TEXT NOT NULL,
                  name TEXT NOT NULL,
                  lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                  value_cents BIGINT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('open','won','lost')),
                  owner_id TEXT REFERENCES users(id) ON DELETE SET NULL,
                  notes TEXT,
                  created_at TIMESTAMPTZ NOT NULL,
                  updated_at TIMESTAMPTZ NOT NULL,
                  closed_at TIMESTAMPTZ,
                  seq BIGINT GENERATED BY DEFAULT AS IDENTITY
                );
                CREATE INDEX opportunities_pipeline ON opportunities (pipeline_id, stage, status);
                CREATE INDEX opportunities_lead ON opportunities (lead_id);
                """),
        Migration(
            id: "pg11-outbound-calls",
            sql: """
                ALTER TABLE calls ADD COLUMN purpose TEXT;
                ALTER TABLE calls ADD COLUMN voicemail_message TEXT;
                """),
    ]

    /// Applies the migrations not yet applied, each in its own transaction, under an advisory lock so
    /// that two instances starting at once do not both migrate.
    static func migrate(_ database: PostgresDatabase) async throws {
        try await database.transaction { db in
            try await db.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try await db.execute(
                "CREATE TABLE IF NOT EXISTS frontdesk_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(try await db.rows("SELECT id FROM frontdesk_migrations").map { try $0.decode(String.self) })
            for migration in migrations where !applied.contains(migration.id) {
                for statement in statements(migration.sql) {
                    try await db.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await db.execute("INSERT INTO frontdesk_migrations (id) VALUES (\(migration.id))")
                database.logger.info("PostgreSQL schema migrated", metadata: ["migration": "\(migration.id)"])
            }
        }
    }

    /// A script split into its statements (the extended protocol runs one at a time): at each `;`
    /// outside quotes, `$$` bodies and `--` comments.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var inDollarBody = false
        var inComment = false
        var previous: Character = " "
        for character in script {
            if inComment {
                if character == "\n" { inComment = false }
                previous = character
                continue
            }
            if character == "-" && previous == "-" && quote == nil && !inDollarBody {
                current.removeLast()
                inComment = true
                previous = " "
                continue
            }
            if character == "$" && previous == "$" && quote == nil { inDollarBody.toggle() }
            if character == "'" && !inDollarBody { quote = quote == nil ? "'" : nil }
            if character == ";" && quote == nil && !inDollarBody {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                previous = " "
                continue
            }
            current.append(character)
            previous = character
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
