import GRDB

/// Versioned schema. Never edit a shipped migration: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-and-businesses") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                      id TEXT PRIMARY KEY NOT NULL,
                      email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                      password_hash TEXT NOT NULL,
                      first_name TEXT,
                      last_name TEXT,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE TABLE businesses (
                      id TEXT PRIMARY KEY NOT NULL,
                      name TEXT NOT NULL,
                      settings TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX businesses_name ON businesses(name COLLATE NOCASE);
                    CREATE TABLE memberships (
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      role TEXT NOT NULL CHECK (role IN ('admin','user','agent')),
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, business_id)
                    );
                    CREATE INDEX memberships_business ON memberships(business_id);
                    CREATE TABLE refresh_tokens (
                      token_hash TEXT PRIMARY KEY NOT NULL,
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      family_id TEXT NOT NULL,
                      expires_at DATETIME NOT NULL,
                      used_at DATETIME,
                      revoked_at DATETIME,
                      created_at DATETIME NOT NULL
                    );
                    CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
                    CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
                    CREATE TABLE password_resets (
                      token_hash TEXT PRIMARY KEY NOT NULL,
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      expires_at DATETIME NOT NULL,
                      used_at DATETIME,
                      created_at DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v1-receptionist") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agents (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      phone_number TEXT,
                      voice_settings TEXT NOT NULL,
                      behavior_settings TEXT NOT NULL,
                      working_hours TEXT,
                      status TEXT NOT NULL CHECK (status IN ('active','inactive')),
                      started_at DATETIME,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX agents_business ON agents(business_id, created_at);
                    CREATE UNIQUE INDEX agents_phone_number ON agents(phone_number) WHERE phone_number IS NOT NULL;
                    CREATE TABLE leads (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      phone TEXT,
                      name TEXT,
                      email TEXT,
                      status TEXT NOT NULL,
                      source TEXT NOT NULL,
                      qualification_score INTEGER,
                      score_explanation TEXT,
                      notes TEXT,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX leads_business_created ON leads(business_id, created_at DESC, id DESC);
                    CREATE INDEX leads_business_status ON leads(business_id, status);
                    CREATE UNIQUE INDEX leads_business_phone ON leads(business_id, phone) WHERE phone IS NOT NULL;
                    CREATE TABLE appointments (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                      scheduled_date DATETIME NOT NULL,
                      duration INTEGER NOT NULL CHECK (duration > 0),
                      status TEXT NOT NULL,
                      type TEXT,
                      notes TEXT,
                      price INTEGER,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX appointments_business_date ON appointments(business_id, scheduled_date);
                    CREATE INDEX appointments_lead ON appointments(lead_id);
                    -- Backstop against double booking: one live appointment per business and start time.
                    CREATE UNIQUE INDEX appointments_slot ON appointments(business_id, scheduled_date)
                      WHERE status <> 'cancelled';
                    CREATE TABLE calls (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
                      lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                      phone TEXT,
                      direction TEXT NOT NULL,
                      provider TEXT NOT NULL,
                      provider_call_id TEXT,
                      status TEXT NOT NULL,
                      duration INTEGER,
                      recording_url TEXT,
                      outcome TEXT,
                      summary TEXT,
                      hangup_cause TEXT,
                      started_at DATETIME NOT NULL,
                      ended_at DATETIME,
                      created_at DATETIME NOT NULL
                    );
                    CREATE INDEX calls_business_started ON calls(business_id, started_at DESC);
                    CREATE INDEX calls_agent_started ON calls(agent_id, started_at);
                    CREATE UNIQUE INDEX calls_provider_id ON calls(provider, provider_call_id)
                      WHERE provider_call_id IS NOT NULL;
                    CREATE TABLE transcript_turns (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                      sequence INTEGER NOT NULL,
                      speaker TEXT NOT NULL,
                      text TEXT NOT NULL,
                      started_at DATETIME NOT NULL,
                      ended_at DATETIME,
                      confidence DOUBLE,
                      latency_ms INTEGER,
                      UNIQUE (call_id, sequence)
                    );
                    CREATE TABLE messages (
                      id TEXT PRIMARY KEY NOT NULL,
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
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX messages_business_channel ON messages(business_id, channel, created_at DESC);
                    CREATE INDEX messages_provider_id ON messages(provider, provider_message_id);
                    CREATE TABLE processed_events (
                      provider TEXT NOT NULL,
                      event_id TEXT NOT NULL,
                      event_type TEXT,
                      received_at DATETIME NOT NULL,
                      PRIMARY KEY (provider, event_id)
                    );
                    CREATE TABLE idempotency_keys (
                      user_id TEXT NOT NULL,
                      key TEXT NOT NULL,
                      method TEXT NOT NULL,
                      path TEXT NOT NULL,
                      request_hash TEXT NOT NULL,
                      status_code INTEGER NOT NULL,
                      response_body BLOB NOT NULL,
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, key)
                    );
                    """)
        }
        migrator.registerMigration("v2-lead-counters") { db in
            // Exact lead counts per (business, status, source), kept by triggers in the same
            // transaction as the change, so list totals never scan a business's leads.
            try db.execute(
                sql: """
                    CREATE TABLE lead_counts (
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      status TEXT NOT NULL,
                      source TEXT NOT NULL,
                      n INTEGER NOT NULL,
                      PRIMARY KEY (business_id, status, source)
                    ) WITHOUT ROWID;
                    INSERT INTO lead_counts (business_id, status, source, n)
                      SELECT business_id, status, source, COUNT(*) FROM leads GROUP BY business_id, status, source;
                    CREATE TRIGGER lead_counts_insert AFTER INSERT ON leads BEGIN
                      INSERT INTO lead_counts (business_id, status, source, n) VALUES (NEW.business_id, NEW.status, NEW.source, 1)
                        ON CONFLICT (business_id, status, source) DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER lead_counts_delete AFTER DELETE ON leads BEGIN
                      UPDATE lead_counts SET n = n - 1
                        WHERE business_id = OLD.business_id AND status = OLD.status AND source = OLD.source;
                    END;
                    CREATE TRIGGER lead_counts_update AFTER UPDATE OF business_id, status, source ON leads BEGIN
                      UPDATE lead_counts SET n = n - 1
                        WHERE business_id = OLD.business_id AND status = OLD.status AND source = OLD.source;
                      INSERT INTO lead_counts (business_id, status, source, n) VALUES (NEW.business_id, NEW.status, NEW.source, 1)
                        ON CONFLICT (business_id, status, source) DO UPDATE SET n = n + 1;
                    END;
                    """)
        }
        migrator.registerMigration("v3-conversations") { db in
            // Where a text conversation stands between turns (the engine's state as JSON), one per
            // business, channel and lead, so it resumes across days.
            try db.execute(
                sql: """
                    CREATE TABLE conversations (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                      channel TEXT NOT NULL,
                      state TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      UNIQUE (business_id, channel, lead_id)
                    );
                    """)
        }
        migrator.registerMigration("v4-call-llm-usage") { db in
            // Model tokens and their cost per call.
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN llm_prompt_tokens INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE calls ADD COLUMN llm_completion_tokens INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE calls ADD COLUMN cost REAL NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v5-webhook-inbox-and-opt-outs") { db in
            // Every accepted provider event, stored with its body before the 2xx and marked when acted
            // on: a duplicate delivery is a no-op, and events accepted before a crash are replayed.
            try db.execute(
                sql: """
                    ALTER TABLE processed_events ADD COLUMN payload BLOB;
                    ALTER TABLE processed_events ADD COLUMN processed_at DATETIME;
                    UPDATE processed_events SET processed_at = received_at;
                    CREATE INDEX processed_events_pending ON processed_events(received_at) WHERE processed_at IS NULL;
                    CREATE TABLE sms_opt_outs (
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      phone TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (business_id, phone)
                    );
                    """)
        }
        migrator.registerMigration("v6-media-mode") { db in
            // Media mode: per-turn latency stages, and where a call's recording file is.
            try db.execute(
                sql: """
                    CREATE TABLE call_turn_latencies (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                      turn INTEGER NOT NULL,
                      end_of_turn_ms DOUBLE NOT NULL,
                      transcript_ms DOUBLE NOT NULL,
                      reply_ms DOUBLE NOT NULL,
                      first_audio_ms DOUBLE NOT NULL,
                      first_frame_ms DOUBLE NOT NULL,
                      total_ms DOUBLE NOT NULL,
                      created_at DATETIME NOT NULL,
                      UNIQUE (call_id, turn)
                    );
                    CREATE INDEX call_turn_latencies_call ON call_turn_latencies(call_id);
                    ALTER TABLE calls ADD COLUMN recording_path TEXT;
                    """)
        }
        migrator.registerMigration("v7-first-token-latency") { db in
            // The LLM's first token, a stage within the reply's (null with the scripted policy).
            try db.execute(sql: "ALTER TABLE call_turn_latencies ADD COLUMN first_token_ms DOUBLE")
        }
        migrator.registerMigration("v8-speech-provider-latency") { db in
            // The speech providers' own time within the transcript and first-audio stages.
            try db.execute(
                sql: """
                    ALTER TABLE call_turn_latencies ADD COLUMN speech_to_text_ms DOUBLE;
                    ALTER TABLE call_turn_latencies ADD COLUMN text_to_speech_ms DOUBLE;
                    """)
        }
        migrator.registerMigration("v9-unreadable-appointment-dates") { db in
            // Earlier builds accepted years past 9999 (`99999-01-05`), which could not be read back and
            // broke the business's appointment list. Such rows are kept, cancelled, moved to the last
            // day of 2999 (out of every slot), and their notes say what their date had been.
            try db.execute(
                sql: """
                    UPDATE appointments
                    SET notes = trim(COALESCE(notes, '') || char(10)
                          || 'Cancelled by Frontdesk: its stored date could not be read (' || CAST(scheduled_date AS TEXT) || ').'),
                        status = 'cancelled',
                        scheduled_date = '2999-12-31 00:00:00.000'
                    WHERE typeof(scheduled_date) <> 'text'
                       OR scheduled_date NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]*'
                    """)
        }
        migrator.registerMigration("v10-event-keys-and-live-calls") { db in
            // Each accepted event's ordering key (one call, one texting pair), so the instance that takes
            // a key over finds what is still to be acted on for it.
            try db.execute(
                sql: """
                    ALTER TABLE processed_events ADD COLUMN ordering_key TEXT;
                    CREATE INDEX processed_events_pending_key ON processed_events(ordering_key, received_at) WHERE processed_at IS NULL;
                    CREATE INDEX calls_in_progress ON calls(started_at) WHERE status = 'in_progress';
                    """)
        }
        migrator.registerMigration("v11-turn-provider-events") { db in
            // The carrier event a caller's words came in (see `TranscriptTurn.providerEventId`).
            try db.execute(sql: "ALTER TABLE transcript_turns ADD COLUMN provider_event_id TEXT")
        }
        migrator.registerMigration("v12-lead-company-value") { db in
            // The CRM seed's `company` and `value` (cents, as every amount).
            try db.execute(
                sql: """
                    ALTER TABLE leads ADD COLUMN company TEXT;
                    ALTER TABLE leads ADD COLUMN value INTEGER;
                    """)
        }
        migrator.registerMigration("v13-events-and-webhooks") { db in
            // The businesses' event feed (WebSocket replay, outbound webhooks) and the durable queue of
            // webhook deliveries with each attempt.
            try db.execute(
                sql: """
                    CREATE TABLE events (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      business_id TEXT NOT NULL,
                      type TEXT NOT NULL,
                      data TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      dispatched INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX events_business ON events(business_id, seq);
                    CREATE INDEX events_undispatched ON events(seq) WHERE dispatched = 0;
                    CREATE INDEX events_created ON events(created_at);
                    CREATE TABLE webhook_endpoints (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      url TEXT NOT NULL,
                      events TEXT NOT NULL,
                      description TEXT,
                      secret TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('active','disabled')),
                      disabled_reason TEXT,
                      last_success_at DATETIME,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX webhook_endpoints_business ON webhook_endpoints(business_id, created_at);
                    CREATE TABLE webhook_deliveries (
                      id TEXT PRIMARY KEY NOT NULL,
                      endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                      business_id TEXT NOT NULL,
                      event_seq INTEGER NOT NULL,
                      event_type TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('pending','succeeded','failed')),
                      attempts INTEGER NOT NULL DEFAULT 0,
                      replayed_after INTEGER NOT NULL DEFAULT 0,
                      next_attempt_at DATETIME,
                      leased_until DATETIME,
                      last_status_code INTEGER,
                      last_error TEXT,
                      last_latency_ms DOUBLE,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      delivered_at DATETIME,
                      UNIQUE (endpoint_id, event_seq)
                    );
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
                    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);
                    CREATE TABLE webhook_attempts (
                      delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                      number INTEGER NOT NULL,
                      attempted_at DATETIME NOT NULL,
                      status_code INTEGER,
                      error TEXT,
                      latency_ms DOUBLE NOT NULL,
                      PRIMARY KEY (delivery_id, number)
                    );
                    """)
        }
        migrator.registerMigration("v14-notifications") { db in
            // The team's notifications, one per member, made once per event (`events.notified`).
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX events_unnotified ON events(seq) WHERE notified = 0;
                    CREATE TABLE notifications (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      category TEXT NOT NULL,
                      reason TEXT NOT NULL,
                      title TEXT NOT NULL,
                      message TEXT NOT NULL,
                      data TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('unread','read')),
                      event_seq INTEGER,
                      created_at DATETIME NOT NULL,
                      read_at DATETIME,
                      UNIQUE (event_seq, user_id)
                    );
                    CREATE INDEX notifications_user ON notifications(user_id, created_at);
                    CREATE INDEX notifications_unread ON notifications(user_id) WHERE status = 'unread';
                    """)
        }
        migrator.registerMigration("v15-contacts-and-threads") { db in
            // A contact per person per business (every lead linked to one), the inbox's threads (one
            // per contact and channel) with their history, who on the team sent a message, and each
            // member's own settings (phone, notification channels, quiet hours).
            try db.execute(
                sql: """
                    CREATE TABLE contacts (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      name TEXT,
                      phone TEXT,
                      email TEXT,
                      company TEXT,
                      position TEXT,
                      tags TEXT NOT NULL DEFAULT '[]',
                      status TEXT NOT NULL CHECK (status IN ('active','archived')),
                      notes TEXT,
                      last_contact_at DATETIME,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE UNIQUE INDEX contacts_phone ON contacts(business_id, phone) WHERE phone IS NOT NULL;
                    CREATE INDEX contacts_email ON contacts(business_id, email) WHERE email IS NOT NULL;
                    CREATE INDEX contacts_business ON contacts(business_id, created_at);
                    ALTER TABLE leads ADD COLUMN contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL;
                    INSERT INTO contacts (id, business_id, name, phone, email, company, tags, status, last_contact_at, created_at, updated_at)
                      SELECT 'contact_' || substr(id, 6), business_id, name, phone, email, company, '[]', 'active', updated_at, created_at, updated_at
                      FROM leads;
                    UPDATE leads SET contact_id = 'contact_' || substr(id, 6);
                    CREATE INDEX leads_contact ON leads(contact_id);
                    ALTER TABLE messages ADD COLUMN sent_by TEXT REFERENCES users(id) ON DELETE SET NULL;
                    CREATE INDEX messages_lead ON messages(lead_id, channel, created_at);
                    CREATE INDEX calls_lead ON calls(lead_id);
                    CREATE TABLE threads (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                      lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                      channel TEXT NOT NULL CHECK (channel IN ('voice','sms','email','api')),
                      status TEXT NOT NULL CHECK (status IN ('active','closed')),
                      assignee_id TEXT REFERENCES users(id) ON DELETE SET NULL,
                      assigned_at DATETIME,
                      unread_count INTEGER NOT NULL DEFAULT 0,
                      last_content TEXT,
                      last_at DATETIME,
                      last_sender TEXT,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      UNIQUE (contact_id, channel)
                    );
                    CREATE INDEX threads_business ON threads(business_id, last_at);
                    CREATE TABLE thread_changes (
                      id TEXT PRIMARY KEY NOT NULL,
                      thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                      kind TEXT NOT NULL,
                      actor_id TEXT,
                      assignee_id TEXT,
                      note TEXT,
                      created_at DATETIME NOT NULL
                    );
                    CREATE INDEX thread_changes_thread ON thread_changes(thread_id, created_at);
                    CREATE TABLE api_turns (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                      agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
                      speaker TEXT NOT NULL CHECK (speaker IN ('lead','agent')),
                      text TEXT NOT NULL,
                      created_at DATETIME NOT NULL
                    );
                    CREATE INDEX api_turns_lead ON api_turns(lead_id, created_at);
                    CREATE TABLE member_preferences (
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      phone TEXT,
                      email INTEGER,
                      sms INTEGER NOT NULL DEFAULT 0,
                      quiet_start TEXT,
                      quiet_end TEXT,
                      updated_at DATETIME NOT NULL,
                      PRIMARY KEY (business_id, user_id)
                    );
                    ALTER TABLE notifications ADD COLUMN send_after DATETIME;
                    CREATE INDEX notifications_held ON notifications(send_after) WHERE send_after IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v16-jobs") { db in
            // The durable scheduler's jobs (unique by key, leased to one process at a time), the
            // events the planner has turned into jobs (`events.planned`; events stored before this
            // migration are not planned again), and an idempotency key on messages a job sends.
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      kind TEXT NOT NULL,
                      key TEXT NOT NULL UNIQUE,
                      payload TEXT NOT NULL,
                      due_at DATETIME NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('pending','running','done','skipped','failed')),
                      attempts INTEGER NOT NULL DEFAULT 0,
                      lease_until DATETIME,
                      result TEXT,
                      created_at DATETIME NOT NULL,
                      finished_at DATETIME
                    );
                    CREATE INDEX jobs_due ON jobs(due_at) WHERE status = 'pending';
                    CREATE INDEX jobs_leased ON jobs(lease_until) WHERE status = 'running';
                    CREATE INDEX jobs_business ON jobs(business_id, due_at);
                    ALTER TABLE events ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;
                    UPDATE events SET planned = 1;
                    CREATE INDEX events_unplanned ON events(seq) WHERE planned = 0;
                    ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
                    CREATE UNIQUE INDEX messages_idempotency ON messages(idempotency_key) WHERE idempotency_key IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v17-workflows") { db in
            // Workflows (their trigger, conditions and actions as one JSON document) and the leads
            // enrolled in them, one enrollment per workflow and source event.
            try db.execute(
                sql: """
                    CREATE TABLE workflows (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('active','draft','paused')),
                      trigger_type TEXT NOT NULL,
                      definition TEXT NOT NULL,
                      secret TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX workflows_business ON workflows(business_id, created_at);
                    CREATE INDEX workflows_trigger ON workflows(business_id, trigger_type) WHERE status = 'active';
                    CREATE TABLE enrollments (
                      id TEXT PRIMARY KEY NOT NULL,
                      workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
                      status TEXT NOT NULL CHECK (status IN ('active','completed','exited','failed')),
                      step INTEGER NOT NULL,
                      context TEXT NOT NULL,
                      log TEXT NOT NULL,
                      source TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      finished_at DATETIME,
                      UNIQUE (workflow_id, source)
                    );
                    CREATE INDEX enrollments_lead ON enrollments(workflow_id, lead_id);
                    CREATE INDEX enrollments_workflow ON enrollments(workflow_id, created_at);
                    """)
        }
        migrator.registerMigration("v18-campaigns-templates") { db in
            // A workflow run over an audience from a start time (its enrollments' source is
            // `bulk:<campaign id>:<lead id>`), and message templates for workflows' `send_template`.
            try db.execute(
                sql: """
                    CREATE TABLE campaigns (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      audience TEXT NOT NULL,
                      start_at DATETIME NOT NULL,
                      per_minute INTEGER,
                      status TEXT NOT NULL CHECK (status IN ('draft','scheduled','running','completed','cancelled')),
                      matched INTEGER NOT NULL DEFAULT 0,
                      enrolled INTEGER NOT NULL DEFAULT 0,
                      started_at DATETIME,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX campaigns_business ON campaigns(business_id, created_at);
                    CREATE TABLE message_templates (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      channel TEXT NOT NULL CHECK (channel IN ('sms','email')),
                      subject TEXT,
                      body TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX message_templates_business ON message_templates(business_id, created_at);
                    """)
        }
        migrator.registerMigration("v19-pipelines") { db in
            // Sales pipelines (their stages as one JSON list) and the opportunities in them.
            try db.execute(
                sql: """
                    CREATE TABLE pipelines (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      stages TEXT NOT NULL,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX pipelines_business ON pipelines(business_id, created_at);
                    CREATE TABLE opportunities (
                      id TEXT PRIMARY KEY NOT NULL,
                      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
                      pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
                      stage TEXT NOT NULL,
                      name TEXT NOT NULL,
                      lead_id TEXT REFERENCES leads(id) ON DELETE SET NULL,
                      value_cents INTEGER NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('open','won','lost')),
                      owner_id TEXT REFERENCES users(id) ON DELETE SET NULL,
                      notes TEXT,
                      created_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      closed_at DATETIME
                    );
                    CREATE INDEX opportunities_pipeline ON opportunities(pipeline_id, stage, status);
                    CREATE INDEX opportunities_lead ON opportunities(lead_id);
                    """)
        }
        migrator.registerMigration("v20-outbound-calls") { db in
            // Outbound calls: what the call is about and the message an answering machine is left.
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN purpose TEXT;
                    ALTER TABLE calls ADD COLUMN voicemail_message TEXT;
                    """)
        }
        return migrator
    }
}
