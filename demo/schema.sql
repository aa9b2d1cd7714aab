-- The seeds' three tables, as their teams created them (see shared/seeds/).

CREATE TABLE claim_line_items (
    id bigint GENERATED ALWAYS AS IDENTITY,
    claim_id bigint NOT NULL,
    service_date date NOT NULL,
    amount numeric(12, 2) NOT NULL,
    PRIMARY KEY (id, service_date)
) PARTITION BY RANGE (service_date);

CREATE TABLE claims_production (
    id bigint NOT NULL,
    service_from_date date NOT NULL,
    payload jsonb,
    PRIMARY KEY (id, service_from_date)
) PARTITION BY RANGE (service_from_date);

CREATE TABLE kid_absences (
    kid_id bigint NOT NULL,
    date date NOT NULL,
    reason text,
    UNIQUE (kid_id, date)
) PARTITION BY RANGE (date);
CREATE INDEX kid_absences_date_idx ON kid_absences (date);

CREATE SCHEMA archive;
