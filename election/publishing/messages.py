"""Every way publishing to Moodle can fail, each with a message that says, in Polish, what
is wrong and how to fix it (``docs/lms.md`` lists them for a Moodle administrator).

A :class:`MoodleError` keeps its ``code`` and parameters, so the message is translated
where it is shown (a page, ``flask lms … --lang en``) and can be stored with an outbox
entry and shown again later. The token never goes into a message.
"""

from __future__ import annotations

from typing import Any

from election.errors import N_, DomainError

#: A clear explanation per code: Moodle's ``errorcode`` or one of the app's own.
MESSAGES: dict[str, str] = {
    "invalidtoken": N_(
        "Moodle odrzucił token (zły, wygasły lub usunięty token). Wygeneruj nowy token "
        "w Moodle (Administracja witryny → Serwer → Usługi sieciowe → Zarządzaj tokenami) "
        "i zapisz go w ustawieniach."
    ),
    "accessexception": N_(
        "Moodle odmówił dostępu do funkcji %(function)s: nie należy ona do usługi, dla "
        "której wydano token, usługa jest wyłączona albo użytkownik usługi nie ma uprawnień "
        "w kursie (webservice/rest:use, mod/forum:addnews, mod/forum:createattachment)."
    ),
    "functions_missing": N_(
        "Usługa, dla której wydano token, nie obejmuje funkcji: %(functions)s — bez nich "
        "publikowanie się nie uda. Dodaj je w Moodle: Administracja witryny → Serwer → "
        "Usługi sieciowe → Usługi zewnętrzne → (usługa) → Funkcje."
    ),
    "invalidparameter": N_(
        "Moodle odrzucił parametry wywołania %(function)s (nieprawidłowa wartość parametru). "
        "To błąd aplikacji albo niezgodna wersja Moodle (wymagana co najmniej 3.8)."
    ),
    "invalidrecord": N_(
        "Moodle nie zna funkcji %(function)s albo wskazanego rekordu. Sprawdź, czy wersja "
        "Moodle to co najmniej 3.8 i czy forum kursu nadal istnieje."
    ),
    "errorinvalidparam": N_("Moodle odrzucił opcję wywołania %(function)s: %(detail)s"),
    "invalidpostid": N_(
        "Wpis na forum, który aplikacja miała zaktualizować, już nie istnieje w Moodle (usunięty?)."
    ),
    "webservices_disabled": N_(
        "Usługi sieciowe są w Moodle wyłączone (punkt REST odpowiada „403 Forbidden” bez "
        "treści, a login/token.php zgłasza enablewsdescription). Włącz je: Administracja "
        "witryny → Ogólne → Zaawansowane możliwości → „Włącz usługi sieciowe” (ustawienie "
        "enablewebservices)."
    ),
    "rest_disabled": N_(
        "Usługi sieciowe są włączone, ale protokół REST jest wyłączony: punkt REST odpowiada "
        "„403 Forbidden” bez treści. Włącz go: Administracja witryny → Serwer → Usługi "
        "sieciowe → Zarządzaj protokołami → REST."
    ),
    "rest_or_webservices_disabled": N_(
        "Moodle odpowiedział „403 Forbidden” bez treści: wyłączone są usługi sieciowe "
        "(ustawienie enablewebservices) albo protokół REST (Administracja witryny → Serwer "
        "→ Usługi sieciowe → Zarządzaj protokołami)."
    ),
    "timeout": N_("Moodle nie odpowiedział w wyznaczonym czasie (%(seconds)s s). Spróbuj później."),
    "network": N_(
        "Nie można połączyć się z Moodle pod adresem %(url)s (serwer nieosiągalny, zły adres "
        "albo błąd sieci lub certyfikatu)."
    ),
    "not_moodle": N_(
        "Pod adresem %(url)s odpowiada serwer, który to nie jest Moodle z usługami sieciowymi "
        "(%(detail)s). Sprawdź adres — podaj stronę główną Moodle, np. "
        "https://lms.example.pl."
    ),
    "http_error": N_("Moodle odpowiedział błędem HTTP %(status)s. Spróbuj później."),
    "upload_failed": N_("Moodle nie przyjął pliku %(filename)s: %(detail)s"),
    "upload_disabled": N_(
        "Usługa tokenu nie pozwala wysyłać plików („Może przesyłać pliki” jest wyłączone), "
        "a wpis z wynikami musi mieć w załączniku protokół PDF — nie zostanie opublikowany. "
        "Włącz „Może przesyłać pliki” w ustawieniach usługi (Administracja witryny → Serwer "
        "→ Usługi sieciowe → Usługi zewnętrzne → (usługa) → Edytuj)."
    ),
    "course_not_found": N_(
        "W Moodle nie ma kursu „%(course)s” (ani o takiej nazwie skróconej, ani o takim id) "
        "albo użytkownik usługi nie może go zobaczyć. Sprawdź nazwę skróconą kursu."
    ),
    "not_enrolled": N_(
        "Użytkownik usługi %(user)s nie ma dostępu do kursu „%(course)s”: Moodle pokazuje mu "
        "tylko publiczny opis kursu i żadnego forum. Zapisz go do kursu z rolą nauczyciela "
        "bez prawa edycji (ma ona mod/forum:addnews, mod/forum:createattachment i "
        "mod/forum:editanypost) albo nadaj mu te uprawnienia w kursie."
    ),
    "requireloginerror": N_(
        "Moodle nie wpuścił użytkownika usługi do kursu lub forum przy %(function)s "
        "(%(detail)s). Zapisz użytkownika usługi do kursu (np. z rolą nauczyciela)."
    ),
    "no_news_forum": N_(
        "Kurs „%(course)s” nie ma forum ogłoszeń. Moodle tworzy je, gdy nauczyciel pierwszy "
        "raz otworzy kurs; możesz też dodać do kursu forum typu „Ogłoszenia”."
    ),
    "cannot_post": N_(
        "Użytkownik usługi %(user)s nie może dodawać wpisów na forum „%(forum)s” kursu "
        "„%(course)s”: nadaj mu w kursie uprawnienie mod/forum:addnews (ma je np. rola "
        "nauczyciela)."
    ),
    "cannotcreatediscussion": N_(
        "Moodle nie pozwolił dodać wpisu (%(function)s): użytkownik usługi nie ma w kursie "
        "uprawnienia mod/forum:addnews."
    ),
    "cannotupdatepost": N_(
        "Moodle nie pozwolił zaktualizować wpisu (%(function)s): użytkownik usługi może "
        "edytować własny wpis tylko przez 30 minut (maxeditingtime), później potrzebuje w "
        "kursie uprawnienia mod/forum:editanypost (ma je np. rola nauczyciela)."
    ),
    "no_attachments": N_(
        "Forum „%(forum)s” nie przyjmuje załączników (maksymalna liczba załączników: 0), a "
        "wpis z wynikami musi mieć w załączniku protokół PDF — nie zostanie opublikowany. "
        "Ustaw w ustawieniach forum „Maksymalna liczba załączników” na co najmniej 1."
    ),
    "attachment_dropped": N_(
        "Moodle przyjął wpis, ale bez protokołu PDF: użytkownik usługi nie ma w kursie "
        "uprawnienia mod/forum:createattachment (albo plik przekracza limit forum). Nadaj je "
        "— przy następnej próbie ten sam wpis zostanie uzupełniony."
    ),
    "url_normalised": N_(
        "Adres Moodle podano jako %(given)s; aplikacja używa strony głównej %(used)s. "
        "Popraw ustawienie (LMS_URL albo ustawienia LMS), aby tak je zapisać."
    ),
    "no_public_url": N_(
        "Nie ustawiono SERVER_BASE_URL (adresu tej aplikacji): wpisy nie będą zawierać "
        "odnośników do kodów pokwitowań i zapisu wyborów."
    ),
    "not_configured": N_(
        "Połączenie z Moodle nie jest skonfigurowane: brakuje %(missing)s "
        "(ustawienia LMS albo zmienne LMS_URL, LMS_TOKEN, LMS_COURSE)."
    ),
    "render": N_("Nie udało się przygotować treści publikacji (%(error)s); szczegóły w logu."),
    "moodle": N_("Moodle zgłosił błąd %(errorcode)s przy %(function)s: %(detail)s"),
}

#: Problems that stop only a post with an attachment (the results with the protocol).
ATTACHMENT_CODES = frozenset({"upload_disabled", "no_attachments"})


class MoodleError(DomainError):
    """A call to Moodle failed, or the setup will make it fail; ``code`` says how."""

    status = 502

    def __init__(self, code: str, **params: Any) -> None:
        message = MESSAGES.get(code)
        if message is None:
            message = MESSAGES["moodle"]
            params = {"function": "", "detail": "", **params, "errorcode": code}
        super().__init__(message, **params)
        self.code = code

    @classmethod
    def restore(cls, code: str | None, params: dict[str, Any] | None) -> MoodleError | None:
        """The error kept with an outbox entry (``error_code``, ``error_params``)."""
        if not code:
            return None
        try:
            error = cls(code, **(params or {}))
            str(error)  # every placeholder present
        except (KeyError, TypeError, ValueError):
            return None
        return error
