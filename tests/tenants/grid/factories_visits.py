"""Rows of duty visits (走访) made inside a street's scope, for the visits area's tests."""

from __future__ import annotations

from datetime import date

from tenants.grid.models import DutyVisit, VisitGroup, VisitSubject


def make_group(scoped, street, name="独居老人", frequency="monthly") -> int:
    with scoped(street) as session:
        group = VisitGroup(name=name, frequency=frequency)
        session.add(group)
        session.commit()
        return group.id


def make_subject(scoped, street, group_id, community_id, grid_id, building_id=None, **kw) -> int:
    """A resident in ``group_id`` living in that community, grid (and building)."""
    values = {"name": "王秀英", "address": "3 单元 502", "phone": "13912345678", **kw}
    with scoped(street) as session:
        subject = VisitSubject(group_id=group_id, community_id=community_id, grid_id=grid_id,
                               building_id=building_id, **values)  # fmt: skip
        session.add(subject)
        session.commit()
        return subject.id


def make_subjects(scoped, street, group_id, community_id, grid_id, n, prefix="对象") -> None:
    with scoped(street) as session:
        for i in range(n):
            session.add(VisitSubject(group_id=group_id, community_id=community_id, grid_id=grid_id,
                                     name=f"{prefix}{i}", phone=f"139{i:08d}"))  # fmt: skip
        session.commit()


def make_visit(scoped, street, subject_id, visited_on: date, visitor_id=None, found="身体尚好"):
    with scoped(street) as session:
        visit = DutyVisit(subject_id=subject_id, visited_on=visited_on, visitor_id=visitor_id,
                          found=found)  # fmt: skip
        session.add(visit)
        session.execute(VisitSubject.__table__.update().where(VisitSubject.id == subject_id)
                        .values(last_visited_on=visited_on))  # fmt: skip
        session.commit()
        return visit.id
