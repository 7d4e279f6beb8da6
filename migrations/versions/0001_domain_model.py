"""The whole domain model of DESIGN.md, and the audit chain's head row.

Revision ID: 0001
Revises: 
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('payload_digest', sa.String(length=64), nullable=False),
    sa.Column('redacted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # The chain starts at the genesis hash; appending locks this one row.
    op.bulk_insert(
        sa.table('audit_head', sa.column('id', sa.Integer), sa.column('count', sa.Integer),
                 sa.column('hash', sa.String)),
        [{'id': 1, 'count': 0, 'hash': '0' * 64}],
    )
    op.create_table('frameworks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('label_1', sa.String(length=100), nullable=True),
    sa.Column('label_2', sa.String(length=100), nullable=True),
    sa.Column('label_3', sa.String(length=100), nullable=True),
    sa.Column('label_4', sa.String(length=100), nullable=True),
    sa.Column('label_5', sa.String(length=100), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frameworks')),
    sa.UniqueConstraint('key', name=op.f('uq_frameworks_key')),
    sa.UniqueConstraint('name', name=op.f('uq_frameworks_name'))
    )
    op.create_table('org_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['org_units.id'], name=op.f('fk_org_units_parent_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_units')),
    sa.UniqueConstraint('path', name=op.f('uq_org_units_path'))
    )
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('cooperative', 'shared_service_centre', 'supplier', 'internal', name='kind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('name', name=op.f('uq_providers_name'))
    )
    op.create_table('competences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.String(length=120), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_competences_framework_id_frameworks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competences')),
    sa.UniqueConstraint('code', name=op.f('uq_competences_code'))
    )
    with op.batch_alter_table('competences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competences_framework_id'), ['framework_id'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('leave_date', sa.Date(), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('leave_date IS NULL OR start_date IS NULL OR leave_date >= start_date', name=op.f('ck_people_leave_after_start')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_people_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('employee_number', name=op.f('uq_people_employee_number'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_leave_date'), ['leave_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('holdings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('assessed_by', sa.String(length=200), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR assessed_on IS NULL OR expires_on >= assessed_on', name=op.f('ck_holdings_expires_after_assessed')),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_holdings_level_range')),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_holdings_competence_id_competences')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_holdings_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holdings')),
    sa.UniqueConstraint('person_id', 'competence_id', name=op.f('uq_holdings_person_id_competence_id'))
    )
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holdings_competence_id'), ['competence_id'], unique=False)

    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('criticality', sa.Enum('low', 'medium', 'high', 'critical', name='criticality', native_enum=False, create_constraint=True), server_default='medium', nullable=False),
    sa.Column('status', sa.Enum('planned', 'active', 'retired', name='status', native_enum=False, create_constraint=True), server_default='active', nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('contract_end IS NULL OR contract_start IS NULL OR contract_end >= contract_start', name=op.f('ck_services_contract_end_after_start')),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_services_owner_id_people')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_services_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('code', name=op.f('uq_services_code'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_services_provider_id'), ['provider_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('role', sa.Enum('admin', 'editor', 'manager', 'auditor', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_users_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_users_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('end_on IS NULL OR start_on IS NULL OR end_on >= start_on', name=op.f('ck_assignments_end_after_start')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assignments_person_id_people')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_assignments_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('person_id', 'service_id', name=op.f('uq_assignments_person_id_service_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_service_id'), ['service_id'], unique=False)

    op.create_table('requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('required_level', sa.Integer(), server_default='3', nullable=False),
    sa.Column('min_holders', sa.Integer(), server_default='2', nullable=False),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('min_holders >= 1', name=op.f('ck_requirements_min_holders_positive')),
    sa.CheckConstraint('required_level BETWEEN 1 AND 5', name=op.f('ck_requirements_required_level_range')),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_requirements_competence_id_competences')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_requirements_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirements')),
    sa.UniqueConstraint('service_id', 'competence_id', name=op.f('uq_requirements_service_id_competence_id'))
    )
    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirements_competence_id'), ['competence_id'], unique=False)

    op.create_table('mitigations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('training', 'knowledge_transfer', 'hire', 'provider_agreement', 'accept_risk', name='kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='status', native_enum=False, create_constraint=True), server_default='open', nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('risk_expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_mitigations_owner_id_people')),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_mitigations_requirement_id_requirements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mitigations'))
    )
    with op.batch_alter_table('mitigations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mitigations_requirement_id'), ['requirement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('mitigations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mitigations_requirement_id'))

    op.drop_table('mitigations')
    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirements_competence_id'))

    op.drop_table('requirements')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_service_id'))

    op.drop_table('assignments')
    op.drop_table('users')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_services_provider_id'))
        batch_op.drop_index(batch_op.f('ix_services_owner_id'))

    op.drop_table('services')
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holdings_competence_id'))

    op.drop_table('holdings')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_people_leave_date'))

    op.drop_table('people')
    with op.batch_alter_table('competences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competences_framework_id'))

    op.drop_table('competences')
    op.drop_table('providers')
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_units_parent_id'))

    op.drop_table('org_units')
    op.drop_table('frameworks')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
