// SQLAlchemy models → DDL as SQLAlchemy's SQLite dialect writes it, and query chains → the SQL it sends
// (checked against SQLAlchemy 1.4's own output for the 1.x forms), Alembic revisions as schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ormSchemaUnits } from '../../server/engine/orm';
import { homeOf, ormFacts, querySql, schemaSql, statementsOf } from '../helpers/orm';

const MODELS = `import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    JSON,
    String,
    Table,
    UniqueConstraint,
    desc,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class TimestampMixin:
    created_at = Column(DateTime, default=datetime.utcnow)


class Team(Base):
    __tablename__ = "teams"

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("team_id", "email", name="uq_members_team_email"),
        Index("ix_members_team_joined", "team_id", desc("joined_at")),
        CheckConstraint("active IN (0, 1)"),
        {"sqlite_autoincrement": True},
    )

    id = Column(Integer, primary_key=True)
    team_id = Column(Integer, ForeignKey("teams.id"), nullable=False)
    email = Column(String(120), nullable=False)
    settings = Column("prefs", JSON)
    role = Column(Enum("owner", "member", name="member_role"))
    active = Column(Boolean, default=True)
    joined_at = Column(DateTime, index=True)


Index("ix_members_email_desc", Member.email.desc())

events = Table(
    "events",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), index=True),
    Column("kind", String(20)),
    Index("ix_events_kind", "kind"),
)
`;

test('1.x models, mixins, __table_args__, module-level Index and Table objects become SQLAlchemy-SQLite DDL', async () => {
  const facts = await ormFacts({ 'app/models.py': MODELS });
  assert.deepEqual(schemaSql(facts), [
    'CREATE TABLE teams (id INTEGER NOT NULL, name VARCHAR(80) NOT NULL, PRIMARY KEY (id), UNIQUE (name))',
    'CREATE TABLE members (created_at DATETIME, id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, team_id INTEGER NOT NULL, ' +
      'email VARCHAR(120) NOT NULL, prefs JSON, role VARCHAR(6), active BOOLEAN, joined_at DATETIME, ' +
      'CONSTRAINT uq_members_team_email UNIQUE (team_id, email), CHECK (active IN (0, 1)), FOREIGN KEY(team_id) REFERENCES teams (id))',
    'CREATE INDEX ix_members_joined_at ON members (joined_at)',
    'CREATE INDEX ix_members_team_joined ON members (team_id, joined_at DESC)',
    'CREATE INDEX ix_members_email_desc ON members (email DESC)',
    'CREATE TABLE events (id INTEGER NOT NULL, member_id INTEGER, kind VARCHAR(20), PRIMARY KEY (id), FOREIGN KEY(member_id) REFERENCES members (id))',
    'CREATE INDEX ix_events_member_id ON events (member_id)',
    'CREATE INDEX ix_events_kind ON events (kind)',
  ]);
  // The mixin alone is not a table; `Column("prefs", JSON)` maps attribute `settings` to column `prefs`.
  const members = facts.get('app/models.py')?.orm?.models.find((model) => model.name === 'Member');
  assert.deepEqual(members?.columns.find((column) => column.attr === 'settings'), { attr: 'settings', column: 'prefs' });
  assert.deepEqual(facts.get('app/models.py')?.orm?.models.map((model) => model.name), ['Team', 'Member', 'events']);
  // Generated DDL maps back to the class (CREATE TABLE) and to the column or Index(...) (CREATE INDEX).
  const [statement] = statementsOf(facts, 'schema').filter((s) => s.sql.startsWith('CREATE TABLE members'));
  assert.equal(MODELS.slice(statement.range.start, statement.range.end).split('\n')[0], 'class Member(TimestampMixin, Base):');
  const index = 'CREATE INDEX ix_members_joined_at ON members (joined_at)';
  const indexAt = statement.sql.indexOf(index);
  const last = indexAt + index.length - 1;
  assert.equal(MODELS.slice(statement.sqlToFile!(indexAt), statement.sqlToFile!(last) + 1), 'joined_at = Column(DateTime, index=True)');
});

test('2.0 Mapped/mapped_column: types and nullability from annotations, FK columns typed by their annotation', async () => {
  const facts = await ormFacts({
    'models.py': `from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    status: Mapped[str]
    note: Mapped[Optional[str]]
    total: Mapped[float | None] = mapped_column("amount")
    placed_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    lines: Mapped[list["Line"]] = relationship(back_populates="order")
`,
  });
  assert.deepEqual(schemaSql(facts), [
    'CREATE TABLE orders (id INTEGER NOT NULL, ref VARCHAR(20) NOT NULL, customer_id INTEGER NOT NULL, status VARCHAR NOT NULL, ' +
      'note VARCHAR, amount FLOAT, placed_at DATETIME NOT NULL, PRIMARY KEY (id), FOREIGN KEY(customer_id) REFERENCES customers (id), UNIQUE (ref))',
    'CREATE INDEX ix_orders_customer_id ON orders (customer_id)',
  ]);
});

test('Flask-SQLAlchemy db.Model without __tablename__ is snake_case; abstract bases and plain classes are not tables', async () => {
  const facts = await ormFacts({
    'models.py': `from app import db

class BaseModel(db.Model):
    __abstract__ = True
    id = db.Column(db.Integer, primary_key=True)

class PlannerMessage(BaseModel):
    agent_id = db.Column(db.String(32), nullable=False)

class NotAModel:
    name = "x"
`,
  });
  assert.deepEqual(schemaSql(facts), ['CREATE TABLE planner_message (id INTEGER NOT NULL, agent_id VARCHAR(32) NOT NULL, PRIMARY KEY (id))']);
});

const QUERIES = `from sqlalchemy import and_, desc, func, or_, select

from .models import Member, Team, events


class Service:
    def run(self, session, team_id, email, since, kinds):
        a = session.query(Member).filter(Member.team_id == team_id, Member.active == True).order_by(Member.joined_at.desc()).limit(10).all()
        b = self.session.query(Member).filter_by(email=email, role=None).first()
        c = session.query(Member).filter(or_(Member.email == email, Member.role.is_(None)), ~Member.active).count()
        d = session.query(Member.id, Member.email).filter(Member.joined_at >= since, Member.id.in_([1, 2, 3])).order_by(desc(Member.created_at)).all()
        e = session.query(Member).join(Team, Team.id == Member.team_id).filter(Team.name == "x").all()
        f = session.query(Member).join(Team).filter(Team.name.like("a%")).first()
        g = session.query(Member).filter(Member.team_id == Team.id, Team.name != "x").all()
        h = session.execute(select(Member).where(Member.team_id == team_id).order_by(Member.joined_at)).scalars().all()
        i = session.scalars(select(func.count()).select_from(Member).where(Member.active.isnot(None))).first()
        j = session.get(Team, team_id)
        k = session.query(Member).filter((Member.team_id == team_id) & (Member.email != email)).delete()
        m = session.query(Member).filter(Member.id == 5).update({"active": False})
        n = session.execute(select(events).where(events.c.kind.in_(kinds), events.c.member_id == 3)).all()
        o = session.query(Member).filter(Member.role == Role.OWNER).all()
        p = session.query(func.count(Member.id)).filter(Member.team_id == team_id).scalar()
        q = session.query(Member).filter(Member.email.startswith("a"), func.lower(Member.email) == email).all()
        r = Member.query.filter_by(team_id=team_id).order_by(Member.email).all()
`;

const MEMBER_COLUMNS =
  'members.created_at, members.id, members.team_id, members.email, members.prefs, members.role, members.active, members.joined_at';

test('query chains become the SQL SQLAlchemy sends to SQLite', async () => {
  const facts = await ormFacts({ 'app/models.py': MODELS, 'app/service.py': QUERIES });
  assert.deepEqual(querySql(facts, 'app/service.py'), [
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE members.team_id = ? AND members.active = 1 ORDER BY members.joined_at DESC LIMIT ? OFFSET ?`,
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE members.email = ? AND members.role IS NULL LIMIT ? OFFSET ?`,
    `SELECT count(*) AS count_1 FROM (SELECT ${MEMBER_COLUMNS} FROM members WHERE (members.email = ? OR members.role IS NULL) AND members.active = 0) AS anon_1`,
    'SELECT members.id, members.email FROM members WHERE members.joined_at >= ? AND members.id IN (?, ?, ?) ORDER BY members.created_at DESC',
    `SELECT ${MEMBER_COLUMNS} FROM members JOIN teams ON teams.id = members.team_id WHERE teams.name = ?`,
    `SELECT ${MEMBER_COLUMNS} FROM members JOIN teams ON teams.id = members.team_id WHERE teams.name LIKE ? LIMIT ? OFFSET ?`,
    `SELECT ${MEMBER_COLUMNS} FROM members, teams WHERE members.team_id = teams.id AND teams.name != ?`,
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE members.team_id = ? ORDER BY members.joined_at`,
    // `.first()` here belongs to the result, not to the statement.
    'SELECT count(*) FROM members WHERE members.active IS NOT NULL',
    'SELECT teams.id, teams.name FROM teams WHERE teams.id = ?',
    'DELETE FROM members WHERE (members.team_id = ? AND members.email != ?)',
    'UPDATE members SET active=? WHERE members.id = ?',
    'SELECT events.id, events.member_id, events.kind FROM events WHERE events.kind IN (?) AND events.member_id = ?',
    // An enum member on the value side is a parameter, not a column.
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE members.role = ?`,
    'SELECT count(members.id) FROM members WHERE members.team_id = ?',
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE (members.email LIKE ? || '%') AND lower(members.email) = ?`,
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE members.team_id = ? ORDER BY members.email`,
  ]);
});

test('a query sits on its chain, up to the call that runs it, inside its function', async () => {
  const facts = await ormFacts({ 'app/models.py': MODELS, 'app/service.py': QUERIES });
  const [first, second] = statementsOf(facts, 'query', 'app/service.py');
  assert.equal(
    QUERIES.slice(first.range.start, first.range.end),
    'session.query(Member).filter(Member.team_id == team_id, Member.active == True).order_by(Member.joined_at.desc()).limit(10).all()',
  );
  assert.equal(QUERIES.slice(second.range.start, second.range.end), 'self.session.query(Member).filter_by(email=email, role=None).first()');
  assert.equal(first.enclosingFunction, 'Service.run');
  assert.equal(first.certainty, 'executed');
  // Generated SQL has no per-character mapping: sub-ranges fall back to the chain.
  assert.equal(first.sqlToFile!(10), first.range.start);
});

test('chains PlanLens cannot translate exactly are skipped: custom methods, dynamic filters, unknown models, raw text', async () => {
  const facts = await ormFacts({
    'app/models.py': MODELS,
    'app/skip.py': `from sqlalchemy import text, select
from sqlalchemy.orm import aliased

def skip(session, filters, Unknown):
    session.query(Member).active().all()
    session.query(Member).filter(*filters).all()
    session.query(Member).filter(filters).all()
    session.query(Unknown).filter(Unknown.x == 1).all()
    session.query(Member).filter(Member.nope == 1).all()
    session.query(Member).filter(text("email = :e")).all()
    session.query(Member).join(Member.team).all()
    session.query(Member).filter(Member.team_id == 1 and Member.email == "x").all()
    alias = aliased(Member)
    session.query(alias).filter(alias.email == "x").all()
    requests.get(Url, timeout=3)
    config.query("x")
`,
  });
  assert.deepEqual(querySql(facts, 'app/skip.py'), []);
});

test('half-typed code, garbage and unterminated strings never throw', async () => {
  const inputs = [
    'session.query(Member).filter(Member.team_id ==',
    'class Member(Base):\n    __tablename__ = "members\n    id = Column(Integer, primary_key=True',
    'class X(Base):\n    __tablename__ = 3\n    id = Column(',
    '))))((((\x00 query( select( Column( Table(',
    'Index("x", Member.a)\nevents = Table()\nevents = Table("e", m, Column())',
  ];
  for (const text of inputs) {
    const facts = await ormFacts({ 'app/models.py': MODELS, 'broken.py': text });
    assert.ok(Array.isArray(querySql(facts, 'broken.py')));
  }
  const facts = await ormFacts({ 'broken.py': inputs[1] });
  assert.deepEqual(schemaSql(facts, 'broken.py'), []);
});

test('Alembic revisions apply in down_revision order, and tables that a model defines are left to the model', async () => {
  const first = `"""init"""
from alembic import op
import sqlalchemy as sa

revision = "aaa111"
down_revision = None


def upgrade():
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("kind", sa.String(10)))


def downgrade():
    op.drop_table("audit")
`;
  const second = `from alembic import op
import sqlalchemy as sa

revision: str = "bbb222"
down_revision = "aaa111"


def upgrade():
    with op.batch_alter_table("audit") as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(32), sa.ForeignKey("members.id")))
    op.create_index(op.f("ix_audit_kind"), "audit", ["kind", sa.text("actor DESC")], unique=False)
    op.create_index("ix_members_x", "members", ["email"])
    op.drop_index("ix_old", table_name="audit")
`;
  const facts = await ormFacts({
    'app/models.py': MODELS,
    // Named so that file order and revision order disagree.
    'alembic/versions/0b_more.py': second,
    'alembic/versions/1a_init.py': first,
  });
  assert.deepEqual(schemaSql(facts, 'alembic/versions/1a_init.py'), [
    'CREATE TABLE audit (id INTEGER NOT NULL, kind VARCHAR(10), PRIMARY KEY (id))',
  ]);
  assert.deepEqual(schemaSql(facts, 'alembic/versions/0b_more.py'), [
    'ALTER TABLE audit ADD COLUMN actor VARCHAR(32) REFERENCES members (id)',
    'CREATE INDEX ix_audit_kind ON audit (kind, actor DESC)',
    'DROP INDEX IF EXISTS ix_old',
  ]);
  assert.deepEqual(
    ormSchemaUnits(facts.values()).map((unit) => [unit.label, unit.priority]),
    [
      ['app/models.py', 0.5],
      ['alembic/versions/1a_init.py', 2.5],
      ['alembic/versions/0b_more.py', 2.5],
    ],
  );
  // Models learn where the revisions live (and the head), so their fixes can add one.
  const home = homeOf(facts, 'Member');
  assert.equal(home.anchors.orm, 'sqlalchemy');
  assert.deepEqual(home.anchors.orm === 'sqlalchemy' ? home.anchors.alembic : undefined, {
    dir: 'alembic/versions',
    files: ['alembic/versions/0b_more.py', 'alembic/versions/1a_init.py'],
    head: 'bbb222',
  });
});
