"""LMS posts: the forum and course a post lives in, what the last delivery did, why a post
is out of date, and the last failure as a code with its parameters

`publications` gains `forum_id`, `course_id`, `course_name` (checked before every update,
so a post is re-created in the configured course when the course was changed),
`moved_from_url`/`moved_from_course` (the post left in the old course, shown to the
chair), `last_action` (created / updated / moved), `outdated_by`/`outdated_at` (published
data changed; the update is queued) and `error_code`/`error_params` (the failure shown
in the reader's language). Existing rows keep NULLs: their forum is looked up in Moodle
before their next update.

Revision ID: c4a91f0d2e67
Revises: b7e3d41c9a52
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import election.db


# revision identifiers, used by Alembic.
revision = 'c4a91f0d2e67'
down_revision = 'b7e3d41c9a52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('error_params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('forum_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('moved_from_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('moved_from_course', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('last_action', sa.Enum('created', 'updated', 'moved', name='delivery_action', native_enum=False, create_constraint=True, length=24), nullable=True))
        batch_op.add_column(sa.Column('outdated_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('outdated_at', election.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('outdated_at')
        batch_op.drop_column('outdated_by')
        batch_op.drop_column('last_action')
        batch_op.drop_column('moved_from_course')
        batch_op.drop_column('moved_from_url')
        batch_op.drop_column('course_name')
        batch_op.drop_column('course_id')
        batch_op.drop_column('forum_id')
        batch_op.drop_column('error_params')
        batch_op.drop_column('error_code')
