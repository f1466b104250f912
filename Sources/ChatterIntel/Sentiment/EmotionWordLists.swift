/// Keywords that name or plainly express one emotion, written for Chatter. Words that only judge ("great",
/// "terrible") are left out on purpose: polarity alone decides those messages (see `EmotionRules`).
enum EmotionWordLists {
    static let all: [(Emotion, [String])] = [
        (.anger, anger), (.disgust, disgust), (.fear, fear), (.joy, joy), (.sadness, sadness), (.surprise, surprise),
    ]

    static let anger =
        SentimentWordLists.words(
            """
            angry angrier angriest anger angered angering furious furiously fury rage rages raging enraged enraging
            outraged outrage outrageous livid mad madder irate infuriate infuriated infuriates infuriating irritated
            irritating irritates irritation annoyed annoying annoys annoyance pissed hate hated hates hating hatred
            resent resented resentful resentment hostile hostility frustrated frustrating frustrates frustration fuming
            seething wtf aggravated aggravating exasperated exasperating incensed indignant bitter grr grrr argh
            unacceptable ridiculous 😠 😡 🤬 😤 >:( >:-(
            """
        ) + ["fed up", "sick of", "tired of", "pissed off", "ticked off", "can't stand"]

    static let disgust = SentimentWordLists.words(
        """
        disgust disgusted disgusting disgustingly gross grossed nasty revolting revolted repulsive repulsed
        repugnant sickening sickened nauseating nauseous vile yuck yucky ew eww ewww icky foul loathsome loathe
        loathed loathing abhorrent appalling appalled distasteful creepy sleazy filthy putrid rancid stinks stinky
        🤢 🤮
        """
    )

    static let fear = SentimentWordLists.words(
        """
        afraid scared scary scare scares frightened frightening fright terrified terrifying terrify fear fears
        feared fearful worried worry worries worrying anxious anxiety nervous nervously panic panicked panicking
        panicky dread dreading dreaded alarmed alarming uneasy apprehensive petrified horrified horrifying horror
        spooked threatened insecure concerned 😱 😨 😰
        """
    )

    static let joy =
        SentimentWordLists.words(
            """
            happy happier happiest happily happiness glad gladly joy joyful joyous delighted delightful thrilled
            excited excitement ecstatic elated cheerful yay woohoo hooray love loved loving loves enjoy enjoyed
            enjoying enjoys pleased grateful thankful thanks thank appreciate appreciated relieved proud haha hahaha
            lol lmao rofl :) :-) :d :-d (: =) ;) ;-) <3 😀 😃 😄 😁 😆 🤣 😂 🙂 😊 🥰 😍 🤩 😘 🤗 🥳 🎉 ❤ 💕 💖
            """
        ) + ["thank you", "over the moon"]

    static let sadness = SentimentWordLists.words(
        """
        sad sadder saddest sadly sadness unhappy depressed depressing depression miserable misery heartbroken
        heartbreaking heartbreak cry crying cried cries tears tearful grief grieving grieve mourn mourning lonely
        loneliness hopeless disappointed disappointing disappointment devastated devastating gloomy sorrow
        sorrowful regret regrets regretted hurt hurts hurting upset dejected despair despairing :( :-( ): :'(
        ☹ 😞 😔 😟 😢 😭 😩 😫 💔
        """
    )

    static let surprise = SentimentWordLists.words(
        """
        surprised surprising surprisingly surprise surprises wow whoa woah omg omfg astonished astonishing amazed
        shocked shocking stunned startled unexpected unexpectedly unbelievable speechless gasp 😮 😲 😯 🤯 😳
        """
    )
}
