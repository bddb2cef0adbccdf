"""privacy notices per street, with versions, and the consents given to them

Revision ID: c3f1a0e5b7d2
Revises: a5e5510f0c1d
Create Date: 2026-12-03 10:00:00

Every street gets ``privacy_version`` and its first notice (version 1, the default text as it
stood when this migration was written). Nobody has agreed to it yet: each account is asked at its
next sign-in.
"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = 'c3f1a0e5b7d2'
down_revision = 'a5e5510f0c1d'
branch_labels = None
depends_on = None

TENANT_TABLES = ('privacy_notices', 'privacy_consents')

#: saas.streets.privacy.DEFAULT_NOTICE when this migration was written (frozen here on purpose)
FIRST_NOTICE = """\
本隐私政策说明本街道办事处（以下简称“我们”）在“联建通”平台上如何收集、使用、保存和保护您的个人信息，以及您享有的权利。请您在注册或继续使用前仔细阅读。

一、我们收集的信息
注册和使用时，我们收集您的手机号码、姓名、所在社区；您自愿填写的党员身份、电子邮箱；以及您参加志愿服务、活动报名、签到签退、服务时长、积分和兑换、微心愿、事项上报等使用记录。为保障账号安全，我们还会记录登录时间和操作日志。

二、我们如何使用这些信息
上述信息仅用于：核实身份和管理账号；组织志愿服务和社区活动，记录服务时长和积分；向您发送活动提醒、审核结果等通知（站内信、短信或电子邮件）；统计本街道的服务情况（统计结果不显示个人身份）。未经您同意，我们不会将您的信息用于其他目的。

三、信息的保存和保护
您的信息保存在中华人民共和国境内，仅本街道有权限的工作人员可以查看；手机号码对其他人员脱敏显示。我们采取访问控制、加密传输、操作留痕等措施保护您的信息。账号注销或不再需要时，我们将在法律法规要求的期限届满后删除或匿名化处理您的信息。

四、信息的共享
我们不会出售您的个人信息。为发送短信，我们会将手机号码和短信内容提供给短信服务商；法律法规另有规定或有权机关依法要求的除外，我们不会向其他第三方提供您的个人信息。

五、您的权利
您可以查阅、复制、更正您的个人信息，可以撤回同意、注销账号并要求删除您的个人信息。请通过本街道办事处的联系方式提出，我们将在十五个工作日内答复。撤回同意不影响撤回前基于您的同意已进行的处理。

六、未成年人
不满十四周岁的未成年人，应在父母或其他监护人的同意和指导下注册和使用。

七、本政策的更新
本政策更新后，版本号将随之增加。您再次登录时，我们会请您阅读并同意新版本后继续使用。
"""


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('privacy_version', sa.Integer(), server_default='1', nullable=False)
        )

    op.create_table('privacy_notices',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_by', sa.BigInteger(), nullable=True),
    sa.Column('published_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'published_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_privacy_notices_tenant_id_published_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_privacy_notices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_privacy_notices')),
    sa.UniqueConstraint('tenant_id', 'version', name=op.f('uq_privacy_notices_tenant_id_version'))
    )
    op.create_table('privacy_consents',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('agreed_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_privacy_consents_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'version'], ['privacy_notices.tenant_id', 'privacy_notices.version'], name=op.f('fk_privacy_consents_tenant_id_version_privacy_notices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_privacy_consents_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_privacy_consents')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'version', name=op.f('uq_privacy_consents_tenant_id_user_id_version'))
    )
    rls.enable(op, *TENANT_TABLES)

    # the streets that exist get their first notice (new ones get it at sign-up)
    rls.see_every_street(op)
    conn = op.get_bind()
    notices = sa.table(
        'privacy_notices',
        sa.column('tenant_id', sa.Integer()),
        sa.column('id', sa.BigInteger()),
        sa.column('version', sa.Integer()),
        sa.column('body', sa.Text()),
        sa.column('published_at', saas.db.UTCDateTime(timezone=True)),
    )
    now = saas.db.utcnow()
    rows = [
        {'tenant_id': tenant_id, 'id': saas.db.new_id(), 'version': 1, 'body': FIRST_NOTICE,
         'published_at': now}
        for (tenant_id,) in conn.execute(sa.text('SELECT id FROM tenants'))
    ]
    if rows:
        op.bulk_insert(notices, rows)


def downgrade():
    op.drop_table('privacy_consents')
    op.drop_table('privacy_notices')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('privacy_version')
