-- Users and projects (seeds 001, 002, 003). Soft delete keeps rows; a deleted user's email may be reused.
CREATE TABLE users (
    id          uuid         PRIMARY KEY,
    email       varchar(254) NOT NULL,
    name        varchar(256),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    is_deleted  boolean      NOT NULL DEFAULT false,
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX ux_users_email_ci ON users (lower(email)) WHERE NOT is_deleted;
CREATE INDEX ix_users_created_at ON users (created_at);

CREATE TABLE projects (
    id              uuid          PRIMARY KEY,
    owner_id        uuid          NOT NULL REFERENCES users (id),
    name            varchar(256)  NOT NULL,
    path            varchar(1024),
    status          varchar(16)   NOT NULL DEFAULT 'unknown'
                    CHECK (status IN ('unknown', 'healthy', 'warning', 'error')),
    schema_status   varchar(16)   NOT NULL DEFAULT 'not_run'
                    CHECK (schema_status IN ('not_run', 'pending', 'passed', 'failed')),
    sheriff_status  varchar(16)   NOT NULL DEFAULT 'not_run'
                    CHECK (sheriff_status IN ('not_run', 'pending', 'passed', 'failed')),
    gauntlet_status varchar(16)   NOT NULL DEFAULT 'not_run'
                    CHECK (gauntlet_status IN ('not_run', 'pending', 'passed', 'failed')),
    last_validated  timestamptz,
    version         integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    created_by      uuid,
    updated_by      uuid,
    is_deleted      boolean       NOT NULL DEFAULT false,
    deleted_at      timestamptz
);
CREATE INDEX ix_projects_status ON projects (status);
CREATE INDEX ix_projects_updated_at ON projects (updated_at);
CREATE INDEX ix_projects_name ON projects (name);
CREATE INDEX ix_projects_owner_id ON projects (owner_id);

CREATE TABLE project_errors (
    id          bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  uuid          NOT NULL REFERENCES projects (id),
    error_type  varchar(64)   NOT NULL,
    message     text          NOT NULL,
    file_path   varchar(1024),
    line_number integer       CHECK (line_number >= 0),
    severity    varchar(64)   NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX ix_project_errors_project_id ON project_errors (project_id);
CREATE INDEX ix_project_errors_severity ON project_errors (severity);
CREATE INDEX ix_project_errors_created_at ON project_errors (created_at);
