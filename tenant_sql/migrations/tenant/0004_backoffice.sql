-- TR-069 (GenieACS) tracking, to-dos, HR and finance: the application's columns, uniques and
-- foreign keys, indexes only where a foreign key or a status filter needs one.
-- Columns holding a public.users id have no foreign key (see 0003); their ON DELETE action runs
-- from public.users (system migration 0006, public.hotspot_user_references); each has an index.

CREATE TABLE IF NOT EXISTS genieacs_devices (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    device_id varchar(255) NOT NULL,
    access_point_id uuid,
    serial_number varchar(255),
    mac_address varchar(255),
    manufacturer varchar(255),
    model varchar(255),
    software_version varchar(255),
    hardware_version varchar(255),
    ip_address varchar(45),
    connection_status varchar(50) NOT NULL DEFAULT 'unknown',
    last_inform timestamp(0),
    last_boot timestamp(0),
    tags jsonb,
    parameters jsonb,
    provisioning_status varchar(50) NOT NULL DEFAULT 'pending',
    provisioned_at timestamp(0),
    provisioning_error text,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT genieacs_devices_pkey PRIMARY KEY (id),
    CONSTRAINT genieacs_devices_device_id_unique UNIQUE (device_id),
    CONSTRAINT genieacs_devices_access_point_id_foreign
        FOREIGN KEY (access_point_id) REFERENCES access_points (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS genieacs_devices_access_point_id_index ON genieacs_devices (access_point_id);

CREATE TABLE IF NOT EXISTS genieacs_presets (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    device_id varchar(255),
    weight integer NOT NULL DEFAULT 10,
    precondition jsonb,
    configurations jsonb NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    description text,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT genieacs_presets_pkey PRIMARY KEY (id),
    CONSTRAINT genieacs_presets_name_unique UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS genieacs_tasks (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    genieacs_device_id uuid NOT NULL,
    device_id varchar(255) NOT NULL,
    task_name varchar(100) NOT NULL,
    parameters jsonb,
    status varchar(50) NOT NULL DEFAULT 'pending',
    started_at timestamp(0),
    completed_at timestamp(0),
    error_message text,
    result jsonb,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT genieacs_tasks_pkey PRIMARY KEY (id),
    CONSTRAINT genieacs_tasks_genieacs_device_id_foreign
        FOREIGN KEY (genieacs_device_id) REFERENCES genieacs_devices (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS genieacs_tasks_genieacs_device_id_index ON genieacs_tasks (genieacs_device_id);
CREATE INDEX IF NOT EXISTS genieacs_tasks_status_index ON genieacs_tasks (status);

CREATE TABLE IF NOT EXISTS genieacs_faults (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    genieacs_device_id uuid NOT NULL,
    device_id varchar(255) NOT NULL,
    fault_code varchar(50) NOT NULL,
    fault_string varchar(255) NOT NULL,
    detail text,
    "timestamp" timestamp(0) NOT NULL,
    resolved boolean NOT NULL DEFAULT false,
    resolved_at timestamp(0),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT genieacs_faults_pkey PRIMARY KEY (id),
    CONSTRAINT genieacs_faults_genieacs_device_id_foreign
        FOREIGN KEY (genieacs_device_id) REFERENCES genieacs_devices (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS genieacs_faults_genieacs_device_id_index ON genieacs_faults (genieacs_device_id);

CREATE TABLE IF NOT EXISTS todos (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid,
    created_by uuid NOT NULL,
    title varchar(255) NOT NULL,
    description text,
    priority varchar(255) NOT NULL DEFAULT 'medium',
    status varchar(255) NOT NULL DEFAULT 'pending',
    due_date date,
    completed_at timestamp(0),
    related_type varchar(255),
    related_id uuid,
    metadata json,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT todos_pkey PRIMARY KEY (id),
    CONSTRAINT todos_priority_check CHECK (priority IN ('low', 'medium', 'high')),
    CONSTRAINT todos_status_check CHECK (status IN ('pending', 'in_progress', 'completed'))
);
CREATE INDEX IF NOT EXISTS todos_user_id_status_index ON todos (user_id, status);
CREATE INDEX IF NOT EXISTS todos_created_by_index ON todos (created_by);
CREATE INDEX IF NOT EXISTS todos_status_index ON todos (status);

CREATE TABLE IF NOT EXISTS todo_activities (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    todo_id uuid NOT NULL,
    user_id uuid NOT NULL,
    action varchar(255) NOT NULL,
    old_value json,
    new_value json,
    description text,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT todo_activities_pkey PRIMARY KEY (id),
    CONSTRAINT todo_activities_todo_id_foreign FOREIGN KEY (todo_id) REFERENCES todos (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS todo_activities_todo_id_created_at_index ON todo_activities (todo_id, created_at);
CREATE INDEX IF NOT EXISTS todo_activities_user_id_index ON todo_activities (user_id);

CREATE TABLE IF NOT EXISTS departments (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    code varchar(255) NOT NULL,
    description text,
    manager_id uuid,
    budget numeric(15,2),
    location varchar(255),
    status varchar(255) NOT NULL DEFAULT 'pending_approval',
    is_active boolean NOT NULL DEFAULT true,
    employee_count integer NOT NULL DEFAULT 0,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT departments_pkey PRIMARY KEY (id),
    CONSTRAINT departments_code_unique UNIQUE (code),
    CONSTRAINT departments_status_check CHECK (status IN ('active', 'pending_approval', 'inactive'))
);

CREATE TABLE IF NOT EXISTS positions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    title varchar(255) NOT NULL,
    code varchar(255) NOT NULL,
    description text,
    department_id uuid,
    level varchar(255),
    min_salary numeric(12,2),
    max_salary numeric(12,2),
    requirements text,
    responsibilities text,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT positions_pkey PRIMARY KEY (id),
    CONSTRAINT positions_code_unique UNIQUE (code),
    CONSTRAINT positions_department_id_foreign FOREIGN KEY (department_id) REFERENCES departments (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS positions_department_id_index ON positions (department_id);

CREATE TABLE IF NOT EXISTS employees (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid,
    employee_number varchar(255) NOT NULL,
    first_name varchar(255) NOT NULL,
    last_name varchar(255) NOT NULL,
    email varchar(255),
    phone varchar(255),
    national_id varchar(255),
    date_of_birth date,
    gender varchar(255),
    address text,
    city varchar(255),
    postal_code varchar(255),
    department_id uuid,
    position_id uuid,
    employment_type varchar(255) NOT NULL DEFAULT 'full_time',
    hire_date date NOT NULL,
    contract_end_date date,
    employment_status varchar(255) NOT NULL DEFAULT 'active',
    salary numeric(12,2),
    salary_currency varchar(3) NOT NULL DEFAULT 'USD',
    payment_frequency varchar(255) NOT NULL DEFAULT 'monthly',
    bank_name varchar(255),
    bank_account_number varchar(255),
    bank_branch varchar(255),
    emergency_contact_name varchar(255),
    emergency_contact_phone varchar(255),
    emergency_contact_relationship varchar(255),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT employees_pkey PRIMARY KEY (id),
    CONSTRAINT employees_employee_number_unique UNIQUE (employee_number),
    CONSTRAINT employees_department_id_foreign FOREIGN KEY (department_id) REFERENCES departments (id) ON DELETE SET NULL,
    CONSTRAINT employees_position_id_foreign FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE SET NULL,
    CONSTRAINT employees_gender_check CHECK (gender IN ('male', 'female', 'other')),
    CONSTRAINT employees_employment_type_check
        CHECK (employment_type IN ('full_time', 'part_time', 'contract', 'intern')),
    CONSTRAINT employees_employment_status_check
        CHECK (employment_status IN ('active', 'on_leave', 'suspended', 'terminated')),
    CONSTRAINT employees_payment_frequency_check CHECK (payment_frequency IN ('monthly', 'bi_weekly', 'weekly'))
);
CREATE INDEX IF NOT EXISTS employees_user_id_index ON employees (user_id);
CREATE INDEX IF NOT EXISTS employees_department_id_index ON employees (department_id);
CREATE INDEX IF NOT EXISTS employees_position_id_index ON employees (position_id);

CREATE TABLE IF NOT EXISTS expenses (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    expense_number varchar(255) NOT NULL,
    category varchar(255) NOT NULL,
    description text,
    amount numeric(12,2) NOT NULL,
    expense_date date NOT NULL,
    payment_method varchar(255),
    vendor_name varchar(255),
    receipt_number varchar(255),
    receipt_file varchar(255),
    submitted_by uuid NOT NULL,
    approved_by uuid,
    approved_at timestamp(0),
    status varchar(255) NOT NULL DEFAULT 'pending',
    rejection_reason text,
    notes text,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT expenses_pkey PRIMARY KEY (id),
    CONSTRAINT expenses_expense_number_unique UNIQUE (expense_number),
    CONSTRAINT expenses_payment_method_check
        CHECK (payment_method IN ('cash', 'bank_transfer', 'credit_card', 'mobile_money', 'check')),
    CONSTRAINT expenses_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'paid'))
);
CREATE INDEX IF NOT EXISTS expenses_submitted_by_index ON expenses (submitted_by);
CREATE INDEX IF NOT EXISTS expenses_approved_by_index ON expenses (approved_by);
CREATE INDEX IF NOT EXISTS expenses_status_index ON expenses (status);

CREATE TABLE IF NOT EXISTS revenues (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    revenue_number varchar(255) NOT NULL,
    source varchar(255) NOT NULL,
    description text,
    amount numeric(12,2) NOT NULL,
    revenue_date date NOT NULL,
    payment_method varchar(255),
    reference_number varchar(255),
    customer_id uuid,
    recorded_by uuid NOT NULL,
    status varchar(255) NOT NULL DEFAULT 'confirmed',
    notes text,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT revenues_pkey PRIMARY KEY (id),
    CONSTRAINT revenues_revenue_number_unique UNIQUE (revenue_number),
    CONSTRAINT revenues_payment_method_check
        CHECK (payment_method IN ('cash', 'bank_transfer', 'credit_card', 'mobile_money', 'check')),
    CONSTRAINT revenues_status_check CHECK (status IN ('pending', 'confirmed', 'cancelled'))
);
CREATE INDEX IF NOT EXISTS revenues_customer_id_index ON revenues (customer_id);
CREATE INDEX IF NOT EXISTS revenues_recorded_by_index ON revenues (recorded_by);
CREATE INDEX IF NOT EXISTS revenues_status_index ON revenues (status);
