// Reads an iCalendar object on stdin with ical.js (Mozilla Thunderbird's
// parser) and prints what a calendar program would take from it, as JSON.
import ICAL from "ical.js";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const calendar = new ICAL.Component(ICAL.parse(text));
const prop = (component, name) => component.getFirstPropertyValue(name);
const param = (component, name, key) => component.getFirstProperty(name)?.getParameter(key) ?? null;
console.log(
  JSON.stringify({
    method: prop(calendar, "method"),
    name: prop(calendar, "name"),
    refresh: prop(calendar, "refresh-interval")?.toString() ?? null,
    events: calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        sequence: event.sequence,
        summary: event.summary,
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
        organizer: event.organizer,
        organizerName: param(vevent, "organizer", "cn"),
        attendees: vevent.getAllProperties("attendee").map((attendee) => ({
          address: attendee.getFirstValue(),
          partstat: attendee.getParameter("partstat"),
          role: attendee.getParameter("role"),
          rsvp: attendee.getParameter("rsvp"),
        })),
        status: prop(vevent, "status"),
      };
    }),
  }),
);
