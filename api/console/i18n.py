"""The console's words in de / fr / it / en: one small catalogue, English as the key."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("de", "fr", "it", "en")
LANGUAGE_NAMES = {"de": "Deutsch", "fr": "Français", "it": "Italiano", "en": "English"}

# english: (de, fr, it)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "Sign in": ("Anmelden", "Se connecter", "Accedi"),
    "Sign out": ("Abmelden", "Se déconnecter", "Esci"),
    "API key": ("API-Schlüssel", "Clé API", "Chiave API"),
    "Create one with": ("Erstellen mit", "Créez-en une avec", "Creane una con"),
    "The API key is wrong or revoked.": (
        "Der API-Schlüssel ist falsch oder widerrufen.",
        "La clé API est erronée ou révoquée.",
        "La chiave API è errata o revocata.",
    ),
    "Orders": ("Bestellungen", "Commandes", "Ordini"),
    "Branding": ("Gestaltung", "Mise en page", "Grafica"),
    "Language": ("Sprache", "Langue", "Lingua"),
    "Status": ("Status", "Statut", "Stato"),
    "Channel": ("Kanal", "Canal", "Canale"),
    "all": ("alle", "tous", "tutti"),
    "Filter": ("Filtern", "Filtrer", "Filtra"),
    "open": ("offen", "ouverte", "aperto"),
    "confirmed": ("bestätigt", "confirmée", "confermato"),
    "shipped": ("versandt", "expédiée", "spedito"),
    "delivered": ("zugestellt", "livrée", "consegnato"),
    "cancelled": ("storniert", "annulée", "annullato"),
    "Order": ("Bestellung", "Commande", "Ordine"),
    "Date": ("Datum", "Date", "Data"),
    "Buyer": ("Käufer", "Acheteur", "Acquirente"),
    "Total": ("Total", "Total", "Totale"),
    "Payment": ("Zahlung", "Paiement", "Pagamento"),
    "paid": ("bezahlt", "payée", "pagato"),
    "unpaid": ("offen", "impayée", "non pagato"),
    "prepaid": ("vorausbezahlt", "prépayée", "prepagato"),
    "invoice": ("Rechnung", "facture", "fattura"),
    "Tracking": ("Sendungsnummer", "Suivi", "Tracciamento"),
    "Select all": ("Alle auswählen", "Tout sélectionner", "Seleziona tutto"),
    "Select order": ("Bestellung auswählen", "Sélectionner la commande", "Seleziona l'ordine"),
    "With the selected orders": (
        "Mit den ausgewählten Bestellungen",
        "Avec les commandes sélectionnées",
        "Con gli ordini selezionati",
    ),
    "Confirm": ("Bestätigen", "Confirmer", "Conferma"),
    "Add tracking": ("Sendungsnummer erfassen", "Ajouter le suivi", "Aggiungi tracciamento"),
    "Ship": ("Versenden", "Expédier", "Spedisci"),
    "Deliver": ("Als zugestellt markieren", "Marquer livrée", "Segna consegnato"),
    "Print delivery notes": (
        "Lieferscheine drucken",
        "Imprimer les bons de livraison",
        "Stampa bolle di consegna",
    ),
    "Print invoices": ("Rechnungen drucken", "Imprimer les factures", "Stampa fatture"),
    "Next page": ("Nächste Seite", "Page suivante", "Pagina successiva"),
    "First page": ("Erste Seite", "Première page", "Prima pagina"),
    "No orders here.": ("Keine Bestellungen.", "Aucune commande.", "Nessun ordine."),
    "Select at least one order.": (
        "Bitte mindestens eine Bestellung auswählen.",
        "Sélectionnez au moins une commande.",
        "Seleziona almeno un ordine.",
    ),
    "orders changed": ("Bestellungen geändert", "commandes modifiées", "ordini modificati"),
    "refused": ("abgelehnt", "refusées", "rifiutati"),
    "Tracking id": ("Sendungsnummer", "Numéro de suivi", "Numero di tracciamento"),
    "Carrier": ("Transporteur", "Transporteur", "Corriere"),
    "Tracking URL": ("Tracking-Link", "Lien de suivi", "Link di tracciamento"),
    "Save tracking": ("Sendungsnummern speichern", "Enregistrer le suivi", "Salva tracciamento"),
    "Only confirmed orders get tracking; these are left out:": (
        "Nur bestätigte Bestellungen erhalten eine Sendungsnummer; ausgelassen:",
        "Seules les commandes confirmées reçoivent un suivi ; ignorées :",
        "Solo gli ordini confermati ricevono il tracciamento; esclusi:",
    ),
    "Back to the orders": (
        "Zurück zu den Bestellungen",
        "Retour aux commandes",
        "Torna agli ordini",
    ),
    "Timeline": ("Verlauf", "Historique", "Cronologia"),
    "When": ("Wann", "Quand", "Quando"),
    "What": ("Was", "Quoi", "Cosa"),
    "Who": ("Wer", "Qui", "Chi"),
    "Details": ("Details", "Détails", "Dettagli"),
    "Items": ("Artikel", "Articles", "Articoli"),
    "Quantity": ("Menge", "Quantité", "Quantità"),
    "Deliver to": ("Lieferadresse", "Livrer à", "Consegna a"),
    "Delivery note": ("Lieferschein", "Bon de livraison", "Bolla di consegna"),
    "Invoice": ("Rechnung", "Facture", "Fattura"),
    "Documents": ("Dokumente", "Documents", "Documenti"),
    "Primary colour": ("Hauptfarbe", "Couleur principale", "Colore principale"),
    "Accent colour": ("Akzentfarbe", "Couleur d'accent", "Colore d'accento"),
    "Font": ("Schrift", "Police", "Carattere"),
    "Logo (PNG)": ("Logo (PNG)", "Logo (PNG)", "Logo (PNG)"),
    "Remove the logo": ("Logo entfernen", "Supprimer le logo", "Rimuovi il logo"),
    "Thank-you note": ("Dankeschön", "Remerciements", "Ringraziamento"),
    "After-sales help": ("Kundendienst", "Service après-vente", "Assistenza post-vendita"),
    "Disclaimer": ("Hinweis", "Avertissement", "Avvertenza"),
    "Preview": ("Vorschau", "Aperçu", "Anteprima"),
    "Save": ("Speichern", "Enregistrer", "Salva"),
    "Saved.": ("Gespeichert.", "Enregistré.", "Salvato."),
    "Invoice preview": ("Rechnungsvorschau", "Aperçu de la facture", "Anteprima della fattura"),
    "imported": ("importiert", "importée", "importato"),
    "updated": ("aktualisiert", "mise à jour", "aggiornato"),
    "confirm": ("bestätigt", "confirmée", "confermato"),
    "cancel": ("storniert", "annulée", "annullato"),
    "track": ("Sendungsnummer", "suivi", "tracciamento"),
    "ship": ("versandt", "expédiée", "spedito"),
    "deliver": ("zugestellt", "livrée", "consegnato"),
    "channel": ("Kanal", "canal", "canale"),
    "seller": ("Verkäufer", "vendeur", "venditore"),
    "automation": ("Automatik", "automatisme", "automatismo"),
    "system": ("System", "système", "sistema"),
    "Reason": ("Grund", "Motif", "Motivo"),
    "e.g. out of stock": ("z. B. nicht an Lager", "p. ex. épuisé", "p. es. esaurito"),
    "Cancel": ("Stornieren", "Annuler", "Annulla"),
    "A reason is required to cancel.": (
        "Zum Stornieren braucht es einen Grund.",
        "Un motif est nécessaire pour annuler.",
        "Per annullare serve un motivo.",
    ),
    "Skip to content": ("Zum Inhalt springen", "Aller au contenu", "Vai al contenuto"),
    "Nothing to print:": ("Nichts zu drucken:", "Rien à imprimer :", "Niente da stampare:"),
    "The form has expired; please try again.": (
        "Das Formular ist abgelaufen; bitte nochmals versuchen.",
        "Le formulaire a expiré ; veuillez réessayer.",
        "Il modulo è scaduto; riprova.",
    ),
}

_INDEX = {"de": 0, "fr": 1, "it": 2}


def translator(language: str) -> Callable[[str], str]:
    """`t("Orders")` in `language`; English, and any word not in the catalogue, as it is."""
    index = _INDEX.get(language)

    def t(text: str) -> str:
        if index is None:
            return text
        words = CATALOGUE.get(text)
        return words[index] if words else text

    return t


def pick_language(cookie: str | None, accept_language: str | None, default: str = "de") -> str:
    """The language cookie, else the browser's first supported language, else `default`."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
