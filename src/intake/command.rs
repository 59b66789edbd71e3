//! The command of a reply in a ticket's thread: a command word on one of its first lines
//! ("Status", "Abbrechen") or the command its sentences name ("please cancel this
//! migration, we changed our minds", "die MX-Einträge sind umgestellt").
//!
//! Reads only the customer's own text (the caller strips quotes) up to the signature. A reply
//! whose sentences name two commands, or name one in doubt (a negation, a condition, a
//! question whether to do it: `[doubt]` of `rules/commands.toml`), is left for staff: never
//! guessed. Pure; never reads a value.

use super::intent::{sentences, signature_start};
use super::Command;
use crate::rules::Rules;

/// What the own text of a reply says about commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// No command.
    None,
    /// One command, clearly.
    Command(Command),
    /// A command that a person must read: in doubt, or more than one.
    ForStaff,
}

/// The command of a reply's own text.
pub fn read(own: &str, rules: &Rules) -> Reading {
    let c = &rules.commands;
    let word = own
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(c.first_lines)
        .find_map(|l| c.command(l));
    let text = &own[..signature_start(own).unwrap_or(own.len())];
    let mut found: Option<Command> = word;
    let mut doubt = false;
    for (s, e) in sentences(text) {
        for sc in c.in_sentence(&text[s..e]) {
            doubt |= sc.doubt.is_some();
            match found {
                Some(f) if f != sc.command => return Reading::ForStaff,
                _ => found = Some(sc.command),
            }
        }
    }
    match found {
        Some(_) if doubt => Reading::ForStaff,
        Some(cmd) => Reading::Command(cmd),
        None => Reading::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(t: &str) -> Reading {
        read(t, &Rules::builtin().unwrap())
    }

    #[test]
    fn commands_as_sentences_in_six_languages() {
        use Command::*;
        for (text, cmd) in [
            (
                "Hello,\n\nWe would like you to call off the move, please.\n\nBest\nJo",
                Cancel,
            ),
            (
                "Guten Tag,\nbitte stornieren Sie den Auftrag, wir bleiben beim alten Anbieter.",
                Cancel,
            ),
            ("Bonjour,\nmerci d'annuler la migration de nos boîtes.", Cancel),
            ("Hola: les pido que cancelen el traslado. Gracias.", Cancel),
            ("Salve, vi prego di annullare il trasferimento.", Cancel),
            ("Beste,\nWilt u de verhuizing afbreken? Bedankt.", Cancel),
            ("Could you cancel the migration?", Cancel),
            ("Any news? When will it be finished?", Status),
            ("Hallo, wie läuft es mit dem Umzug?", Status),
            ("Bonjour, où en est le transfert ?", Status),
            ("Buenas, ¿cuándo estará terminado?", Status),
            ("Ciao, a che punto siete con la migrazione?", Status),
            ("Hoi, hoe staat het met de verhuizing?", Status),
            ("Our IT guy pointed the MX records to you this morning.", DnsChanged),
            ("Wir haben die DNS-Einträge heute angepasst.", DnsChanged),
            ("Nous avons mis à jour les DNS.", DnsChanged),
            ("Ya hemos cambiado los registros MX.", DnsChanged),
            ("Abbiamo aggiornato i record MX stamattina.", DnsChanged),
            ("De nameservers zijn omgezet.", DnsChanged),
        ] {
            assert_eq!(read_text(text), Reading::Command(cmd), "{text}");
        }
    }

    #[test]
    fn doubt_and_two_commands_are_left_for_staff() {
        for text in [
            "Please don't cancel anything, it was a mistake.",
            "Bitte den Umzug nicht abbrechen.",
            "Ne pas annuler la migration s'il vous plaît.",
            "N'annulez pas la migration.",
            "Por favor, no cancelen nada.",
            "Non annullate la migrazione, per favore.",
            "Niet annuleren alstublieft.",
            "Should we cancel the migration?",
            "Can we still cancel?",
            "If it has not started yet, please cancel it.",
            "We will have the MX records changed tomorrow.",
            "We have not changed the DNS yet.",
            "How far along are you? Please cancel if you have not started.",
            "Status please. Also, we changed the DNS.",
        ] {
            assert_eq!(read_text(text), Reading::ForStaff, "{text}");
        }
    }

    #[test]
    fn other_replies_name_no_command() {
        for text in [
            "Thank you, everything works!",
            "Ein neues Angebot liegt vor, danke.",
            "Ha estado todo bien, gracias.",
            "È stato un piacere, grazie.",
            "Our old provider will stop service at the end of the month.",
        ] {
            assert_eq!(read_text(text), Reading::None, "{text}");
        }
    }

    #[test]
    fn command_words_on_the_first_lines_still_work() {
        assert_eq!(read_text("Status\n\nThanks"), Reading::Command(Command::Status));
        assert_eq!(read_text("abbrechen"), Reading::Command(Command::Cancel));
        assert_eq!(read_text("DNS changed"), Reading::Command(Command::DnsChanged));
        assert_eq!(read_text("retry"), Reading::Command(Command::Retry));
    }
}
