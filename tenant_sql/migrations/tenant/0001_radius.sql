-- Tenant RADIUS tables. Same definitions as system/0002_radius.sql (a test compares them).

-- FreeRADIUS tables: the stock rlm_sql PostgreSQL columns (so the stock queries run unchanged),
-- widened where a NAS can send up to 253 bytes, plus the application's extra columns.

CREATE TABLE IF NOT EXISTS radcheck (
    id bigserial NOT NULL,
    username varchar(64) NOT NULL DEFAULT '',
    attribute varchar(64) NOT NULL DEFAULT '',
    op varchar(2) NOT NULL DEFAULT '==',
    value varchar(253) NOT NULL DEFAULT '',
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT radcheck_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radcheck_username_attribute_index ON radcheck (username, attribute);

CREATE TABLE IF NOT EXISTS radreply (
    id bigserial NOT NULL,
    username varchar(64) NOT NULL DEFAULT '',
    attribute varchar(64) NOT NULL DEFAULT '',
    op varchar(2) NOT NULL DEFAULT '=',
    value varchar(253) NOT NULL DEFAULT '',
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT radreply_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radreply_username_attribute_index ON radreply (username, attribute);

CREATE TABLE IF NOT EXISTS radgroupcheck (
    id serial NOT NULL,
    groupname varchar(64) NOT NULL DEFAULT '',
    attribute varchar(64) NOT NULL DEFAULT '',
    op varchar(2) NOT NULL DEFAULT '==',
    value varchar(253) NOT NULL DEFAULT '',
    created_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT radgroupcheck_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radgroupcheck_groupname_attribute_index ON radgroupcheck (groupname, attribute);

CREATE TABLE IF NOT EXISTS radgroupreply (
    id serial NOT NULL,
    groupname varchar(64) NOT NULL DEFAULT '',
    attribute varchar(64) NOT NULL DEFAULT '',
    op varchar(2) NOT NULL DEFAULT '=',
    value varchar(253) NOT NULL DEFAULT '',
    created_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT radgroupreply_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radgroupreply_groupname_attribute_index ON radgroupreply (groupname, attribute);

CREATE TABLE IF NOT EXISTS radusergroup (
    id serial NOT NULL,
    username varchar(64) NOT NULL DEFAULT '',
    groupname varchar(64) NOT NULL DEFAULT '',
    priority integer NOT NULL DEFAULT 1,
    created_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT radusergroup_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radusergroup_username_priority_index ON radusergroup (username, priority);

-- Key radacctid (sequence radacct_radacctid_seq): the stock queries and the application read it.
-- The stock start query upserts ON CONFLICT (acctuniqueid), so that unique must stay plain.
CREATE TABLE IF NOT EXISTS radacct (
    radacctid bigserial NOT NULL,
    acctsessionid varchar(64) NOT NULL DEFAULT '',
    acctuniqueid varchar(64) NOT NULL DEFAULT '',
    username varchar(64) NOT NULL DEFAULT '',
    groupname varchar(64) NOT NULL DEFAULT '',
    realm varchar(64),
    nasipaddress inet NOT NULL,
    nasportid varchar(253),
    nasporttype varchar(32),
    acctstarttime timestamp with time zone,
    acctupdatetime timestamp with time zone,
    acctstoptime timestamp with time zone,
    acctinterval bigint,
    acctsessiontime bigint,
    acctauthentic varchar(32),
    connectinfo_start varchar(253),
    connectinfo_stop varchar(253),
    acctinputoctets bigint DEFAULT 0,
    acctoutputoctets bigint DEFAULT 0,
    calledstationid varchar(253),
    callingstationid varchar(253),
    acctterminatecause varchar(32),
    servicetype varchar(32),
    framedprotocol varchar(32),
    framedipaddress inet,
    framedipv6address inet,
    framedipv6prefix inet,
    framedinterfaceid varchar(64),
    delegatedipv6prefix inet,
    class text,
    acctstartdelay bigint DEFAULT 0,
    acctstopdelay bigint DEFAULT 0,
    CONSTRAINT radacct_pkey PRIMARY KEY (radacctid),
    CONSTRAINT radacct_acctuniqueid_unique UNIQUE (acctuniqueid)
);
-- Open sessions by unique id (interim/stop updates), by NAS (Accounting-On/Off closes them all),
-- by user (Simultaneous-Use counts them); the rest are the application's.
CREATE INDEX IF NOT EXISTS radacct_active_session_idx ON radacct (acctuniqueid) WHERE acctstoptime IS NULL;
CREATE INDEX IF NOT EXISTS radacct_nasipaddress_acctstoptime_index ON radacct (nasipaddress, acctstoptime);
CREATE INDEX IF NOT EXISTS radacct_username_acctstoptime_index ON radacct (username, acctstoptime);
CREATE INDEX IF NOT EXISTS radacct_username_acctstarttime_index ON radacct (username, acctstarttime);
CREATE INDEX IF NOT EXISTS radacct_acctsessionid_index ON radacct (acctsessionid);
CREATE INDEX IF NOT EXISTS radacct_acctstarttime_index ON radacct (acctstarttime);
CREATE INDEX IF NOT EXISTS radacct_acctstoptime_index ON radacct (acctstoptime);

-- pass stays NULL: the platform's post-auth query never stores passwords.
CREATE TABLE IF NOT EXISTS radpostauth (
    id bigserial NOT NULL,
    username varchar(64) NOT NULL DEFAULT '',
    pass varchar(64),
    reply varchar(32),
    calledstationid varchar(253),
    callingstationid varchar(253),
    authdate timestamp with time zone NOT NULL DEFAULT now(),
    class text,
    CONSTRAINT radpostauth_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS radpostauth_username_index ON radpostauth (username);
CREATE INDEX IF NOT EXISTS radpostauth_authdate_index ON radpostauth (authdate);

-- Written by the application only; FreeRADIUS clients come from rendered files. No default secret.
CREATE TABLE IF NOT EXISTS nas (
    id serial NOT NULL,
    nasname varchar(128) NOT NULL,
    shortname varchar(32),
    type varchar(30) NOT NULL DEFAULT 'other',
    ports integer,
    secret varchar(60) NOT NULL,
    server varchar(64),
    community varchar(50),
    description varchar(200) DEFAULT 'RADIUS Client',
    CONSTRAINT nas_pkey PRIMARY KEY (id),
    CONSTRAINT nas_nasname_unique UNIQUE (nasname)
);
